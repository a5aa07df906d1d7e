from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import PasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码, for everyone signed in; the session stays signed in (update_session_auth_hash)."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("incidents:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改，下次登录请使用新密码。")
        return response

    def get_success_url(self) -> str:
        back = self._next()
        return back or super().get_success_url()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "next_page": self._next()}

    def _next(self) -> str:
        """The page a forced change interrupted, if it is one of ours."""
        back = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return back if safe else ""
