"""The dashboard's figures in its templates."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def count_link(tally) -> str:
    """A figure (selectors.Tally): its count linking to the incidents it counts, or a grey 0 with nothing to open.

    A filter rather than an included template: a dashboard shows hundreds of figures."""
    if tally.n:
        return format_html('<a href="{}">{}</a>', tally.url, tally.n)
    return format_html('<span class="text-muted">{}</span>', 0)
