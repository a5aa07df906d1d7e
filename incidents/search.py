"""Search of incidents by number, title, text or a source's URL (the list's search box).

One id list from two indexed searches (a UNION, not an OR across a join). On PostgreSQL the bigram GIN indexes
of migration 0005 (database functions os_bigrams / os_incident_bigrams, created there) find the candidate rows
first, two-character Chinese terms included; `icontains` then checks just those. On SQLite `icontains` alone.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField, Value

from .models import Incident, IncidentSource

BIGRAMS = ArrayField(TextField())
MAX_TERMS = 100  # characters of the search box read


def incident_search_ids(*, terms: str) -> QuerySet:
    """The ids of the incidents that match, as a subquery (the caller narrows its own, access-limited rows)."""
    value = terms.strip()[:MAX_TERMS]
    text = Incident.objects.filter(
        Q(number__icontains=value) | Q(title__icontains=value) | Q(summary__icontains=value)
    )
    urls = IncidentSource.objects.filter(url__icontains=value)
    if connection.vendor == "postgresql" and len(value) >= 2:
        pieces = Func(Value(value), function="os_bigrams", output_field=BIGRAMS)
        text = text.alias(
            bigrams=Func(
                F("number"), F("title"), F("summary"), function="os_incident_bigrams", output_field=BIGRAMS
            )
        ).filter(bigrams__contains=pieces)
        urls = urls.alias(bigrams=Func(F("url"), function="os_bigrams", output_field=BIGRAMS)).filter(
            bigrams__contains=pieces
        )
    # order_by(): the models' default ordering would sort every match inside the union for nothing.
    return text.order_by().values("id").union(urls.order_by().values("incident_id"))
