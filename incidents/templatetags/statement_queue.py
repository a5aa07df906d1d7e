"""The 审定 form of each statement in 党政办's queue (templates/incidents/statement_queue.html).

The queue's view lists the statements; the form of each is made here so that it is drawn by Django, with its
ids naming its statement. It belongs in the view (as the incident page's statement_rows does) once that is free.
"""

from django import template
from django.urls import reverse

from incidents.forms import QueuedStatementReviewForm

register = template.Library()


@register.simple_tag
def review_form(statement, token: str) -> QueuedStatementReviewForm:
    """An empty 审定 form for this statement: its one-time token, and back to the queue afterwards."""
    return QueuedStatementReviewForm(
        initial={
            "statement": statement.pk,
            "token": f"{token}-{statement.pk}",
            "next": reverse("incidents:statement_queue"),
        }
    )
