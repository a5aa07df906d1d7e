"""What a browser sends back for an admin form as the page rendered it."""

from django.forms import CheckboxInput, MultiWidget


def field_values(form, prefix_names: bool = False) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key = form.add_prefix(name) if prefix_names else name
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for k, part in enumerate(field.widget.decompress(value)):
                data[f"{key}_{k}"] = part or ""
        elif isinstance(field.widget, CheckboxInput):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(v) for v in value]
        elif value is not None:
            data[key] = value
    return data


def form_data(response, **changes) -> dict:
    """The admin form as rendered, with its inline formsets' management forms, and `changes` applied."""
    context = response.context
    data = field_values(context["adminform"].form) if context and "adminform" in context else {}
    for inline in (context.get("inline_admin_formsets") or []) if context else []:
        formset = inline.formset
        data.update(
            {formset.management_form.add_prefix(k): v for k, v in formset.management_form.initial.items()}
        )
        for form in formset.forms:
            data.update(field_values(form, prefix_names=True))
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
