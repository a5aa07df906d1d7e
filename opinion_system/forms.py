"""Form fields the apps share, and how the styled forms are drawn: Bootstrap 5 through Django's form renderer."""

import datetime as dt
from pathlib import Path

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.renderers import Jinja2
from django.utils import timezone
from django.utils.functional import cached_property

# Dates people may type: a disposal or a report happens in this century. A year-1 time, turned into UTC,
# falls before year 1: PostgreSQL stores it and then cannot read it back, and every page of the incident fails.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
OUT_OF_RANGE = "{label}应在 2000 年至 2099 年之间，请检查年份。"


def _check(field: forms.Field, day: dt.date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(OUT_OF_RANGE.format(label=field.label or "日期"), code="out_of_range")


class PlausibleDateTimeField(forms.DateTimeField):
    """A date and time between 2000 and 2099 (Beijing calendar)."""

    def validate(self, value):
        super().validate(value)
        _check(self, value and timezone.localtime(value).date())


class PlausibleDateField(forms.DateField):
    """A calendar day between 2000 and 2099."""

    def validate(self, value):
        super().validate(value)
        _check(self, value)


class SearchInput(forms.TextInput):
    input_type = "search"


class FormRenderer(Jinja2):
    """Django's widget templates and ours (jinja2/forms/: a field with its label, help and errors; a whole form).

    Jinja2 because it draws Django's widgets in about half the time the Django template language takes, and the
    list's filter bar and the incident page's action forms are dozens of widgets and options on every request.
    Only the forms below use it: the admin's widgets have no Jinja2 templates, so it cannot be FORM_RENDERER.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    @cached_property
    def engine(self):
        # Django's own Jinja2 renderer reads django/forms/jinja2 and the apps' jinja2 folders, not the project's.
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [Path(forms.__file__).parent / "jinja2", settings.BASE_DIR / "jinja2"],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )


class BootstrapBoundField(BoundField):
    """A field whose widget carries Bootstrap's classes for its kind, and `is-invalid` when it has errors."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        if isinstance(widget, forms.CheckboxInput):
            kind = "form-check-input"
        elif isinstance(widget, forms.Select):  # SelectMultiple too
            kind = "form-select"
        else:
            kind = "form-control"
        classes = [*widget.attrs.get("class", "").split(), *attrs.get("class", "").split()]
        size = getattr(self.form, "control_size", "")
        wanted = [kind, f"{kind}-{size}" if size and kind != "form-check-input" else ""]
        if self.errors:
            wanted.append("is-invalid")
        attrs["class"] = " ".join(dict.fromkeys(c for c in (*classes, *wanted) if c))
        return attrs


class StyledForm(forms.Form):
    """A form drawn in Bootstrap 5 by jinja2/forms/: `{{ form }}`, or `{{ field.as_field_group }}` field by field."""

    default_renderer = FormRenderer()
    bound_field_class = BootstrapBoundField
    control_size = ""  # "sm" for the smaller controls of a filter bar


def filters_open(request, form=None) -> bool:
    """Whether a list's filters stay unfolded on a phone (templates/includes/filters_toggle.html): a condition is
    chosen (any parameter but the page's number) or refused, so what was chosen and why it was refused show."""
    chosen = any(value for key, value in request.GET.items() if key != "page")
    return chosen or bool(form is not None and form.errors)
