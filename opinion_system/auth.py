"""Sign-in details the settings point at."""

from django.conf import settings

# Longer than any username can be (User.username is 150 characters); django-axes stores the name of a failed
# sign-in in a 255-character column, and a longer one would fail the request instead of being counted.
USERNAME_KEPT = 150


def axes_username(request, credentials: dict | None) -> str | None:
    """The username django-axes records and locks on: the one typed, cut to USERNAME_KEPT characters."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(field)
    return username[:USERNAME_KEPT] if isinstance(username, str) else username
