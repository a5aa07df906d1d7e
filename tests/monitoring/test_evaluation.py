"""第十五条: a 零报告 not in by its due time counts in the year's evaluation like every other miss."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.urls import reverse

from evaluation import selectors as evaluation_selectors
from evaluation import services as evaluation_services
from monitoring import services, sweep

from .helpers import at, period


def department(evaluation, name):
    return next(r for r in evaluation.departments if r.name == name)


def missed_twice_in_time_once(org):
    """学生处: 3 October missed, 4 October late, 5 October on time; 人事处 on time each day."""
    period(org, dt.date(2026, 10, 3), dt.date(2026, 10, 5))
    for day in (3, 4, 5):
        with time_machine.travel(at(2026, 10, day, 8, 0), tick=False):
            sweep.run_once()
            services.nil_report_submit(actor=org.p.rsc_liaison, department=org.rsc)
        with time_machine.travel(at(2026, 10, day, 16, 0), tick=False):
            if day == 5:
                services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)
            sweep.run_once()
        if day == 4:
            with time_machine.travel(at(2026, 10, day, 17, 0), tick=False):
                services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)


def test_a_missed_or_late_nil_report_counts_for_the_department_and_its_head(org):
    missed_twice_in_time_once(org)
    evaluation = evaluation_selectors.yearly_evaluation(year=2026, now=at(2026, 12, 1, 0, 0))
    assert department(evaluation, "学生处").figures.nil_reports_missed == 2
    assert department(evaluation, "人事处").figures.nil_reports_missed == 0
    head = next(r for r in evaluation.heads if r.key == org.p.xsc_head.pk)
    assert head.figures.nil_reports_missed == 2


def test_one_not_yet_swept_past_its_due_time_is_a_miss_too(org):
    period(org, dt.date(2026, 10, 3), dt.date(2026, 10, 5))
    with time_machine.travel(at(2026, 10, 3, 8, 0), tick=False):
        sweep.run_once()
    evaluation = evaluation_selectors.yearly_evaluation(year=2026, now=at(2026, 10, 3, 16, 30))
    assert department(evaluation, "学生处").figures.nil_reports_missed == 1
    evaluation = evaluation_selectors.yearly_evaluation(year=2026, now=at(2026, 10, 3, 15, 0))
    assert department(evaluation, "学生处").figures.nil_reports_missed == 0


def test_the_office_weighs_a_missed_nil_report(org):
    missed_twice_in_time_once(org)
    values = {name: Decimal(0) for name in ("base", *evaluation_selectors.WEIGHTED_FIGURES)}
    values.update(base=Decimal(100), nil_reports_missed=Decimal(-2))
    evaluation_services.weights_save(actor=org.p.clerk, year=2026, values=values, expected_version=None)
    evaluation = evaluation_selectors.yearly_evaluation(year=2026, now=at(2026, 12, 1, 0, 0))
    assert department(evaluation, "学生处").figures.score == Decimal("96.00")
    assert department(evaluation, "人事处").figures.score == Decimal("100.00")


def test_the_evaluation_page_has_the_column(client, org):
    missed_twice_in_time_once(org)
    client.force_login(org.p.clerk)
    page = client.get(reverse("evaluation:index"), {"year": 2026}).content.decode()
    assert "零报告缺报" in page
