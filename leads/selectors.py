from django.db.models import Count, Q, QuerySet

from .models import Lead


def lead_inbox(*, leads: QuerySet[Lead], status: str = "", q: str = "") -> QuerySet[Lead]:
    if status:
        leads = leads.filter(status=status)
    for word in q.split()[:5]:
        leads = leads.filter(
            Q(title__icontains=word) | Q(platform__icontains=word) | Q(source_system__icontains=word)
        )
    return (
        leads.select_related("incident", "handled_by")
        .annotate(n_screenshots=Count("screenshots"))
        .order_by("-received_at", "-id")
    )


def lead_status_counts(*, leads: QuerySet[Lead]) -> dict[str, int]:
    rows = leads.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
