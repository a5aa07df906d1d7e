"""Reads of 舆情通报: lists, the receipts table, the period's figures (counted by dashboard.selectors)."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from dashboard import selectors as dashboard
from dashboard.forms import range_period
from departments.models import Department
from incidents.filters import COUNTED, day_start
from incidents.models import Incident

from .models import Bulletin, BulletinReading, BulletinReceipt

INCIDENTS_OFFERED = 200  # the draft form's choice of incidents: the period's most recent


def figures_snapshot(*, user, first: dt.date, last: dt.date, now: dt.datetime) -> dict:
    """The dashboard's figures of the period, as plain data kept in the bulletin (the dashboard's own count)."""
    period = range_period(first, last)
    counted = dashboard.period_figures_get(user=user, period=period, now=now)
    category_level = counted["category_level"]
    timeliness = {
        kind: {
            "on_time": entry["whole"]["on_time"].n,
            "late": entry["whole"]["late"].n,
            "share": entry["whole"]["share"],
        }
        for kind, entry in counted["timeliness"].items()
    }
    return {
        "counted_at": now.isoformat(),
        "period": {"first": first.isoformat(), "last": last.isoformat(), "label": period.label},
        "total": counted["total"].n,
        "unassessed": category_level["unassessed"].n,
        "levels": list(category_level["levels"]),
        "categories": [
            {"label": c["label"], "cells": [cell.n for cell in c["cells"]], "total": c["total"].n}
            for c in category_level["categories"]
        ],
        "departments": [
            {
                "name": d["name"],
                "total": d["total"].n,
                "open": d["open"].n,
                "levels": [cell.n for cell in d["levels"]],
            }
            for d in counted["departments"]
        ],
        "timeliness": timeliness,
    }


TIMELINESS_LABELS = {"first_report": "发现至首报", "assessment": "上报至研判", "filing": "处置结束至报备"}


def bulletin_list(
    *, bulletins: QuerySet[Bulletin], year: int | None = None, status: str = ""
) -> QuerySet[Bulletin]:
    """The list's rows with what each row shows, in a fixed number of queries."""
    if year:
        bulletins = bulletins.filter(
            Q(year=year)
            | Q(year__isnull=True, drafted_at__gte=day_start(dt.date(year, 1, 1)))
            & Q(drafted_at__lt=day_start(dt.date(year + 1, 1, 1)))
        )
    if status:
        bulletins = bulletins.filter(status=status)
    return (
        bulletins.select_related("drafted_by", "approved_by")
        .annotate(
            recipient_count=Count("receipts", distinct=True),
            opened_count=Count("receipts", filter=Q(receipts__first_opened_at__isnull=False), distinct=True),
        )
        .order_by("-year", "-number", "-drafted_at", "-id")
    )


def bulletin_detail(*, bulletin: Bulletin) -> Bulletin:
    return (
        Bulletin.objects.select_related("drafted_by", "approved_by", "issued_by")
        .prefetch_related(
            Prefetch("incidents", queryset=Incident.objects.order_by("number").only("pk", "number", "title")),
            Prefetch("recipients", queryset=Department.objects.order_by("sort_order", "id")),
        )
        .get(pk=bulletin.pk)
    )


def receipts_table(*, bulletin: Bulletin) -> list[BulletinReceipt]:
    """Per recipient department: who opened it and when (every person's first opening), or 未读."""
    return list(
        BulletinReceipt.objects.filter(bulletin=bulletin)
        .select_related("department", "first_opened_by")
        .prefetch_related(Prefetch("readings", queryset=BulletinReading.objects.select_related("user")))
        .order_by("department__sort_order", "department_id")
    )


def incidents_of_period(*, first: dt.date, last: dt.date) -> QuerySet[Incident]:
    """The incidents reported in the period (duplicates merged away left out), most recent first."""
    return (
        Incident.objects.filter(COUNTED)
        .filter(reported_at__gte=day_start(first), reported_at__lt=day_start(last + dt.timedelta(days=1)))
        .order_by("-reported_at", "-id")
    )


def unread_receipts() -> QuerySet[BulletinReceipt]:
    return BulletinReceipt.objects.filter(
        bulletin__status=Bulletin.Status.ISSUED, first_opened_at__isnull=True
    ).select_related("bulletin", "department")


def active_departments() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("sort_order", "id")
