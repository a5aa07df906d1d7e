"""The pages of 重点监测 (第八条); the first line of each asks monitoring.access."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from departments.models import User
from opinion_system.errors import DomainError

from . import access, selectors, services
from .forms import DutyRowForm, NilReportForm, PeriodForm, SeedForm, YearForm, people_choices

HISTORY_DAYS = 30


def _year(request) -> tuple[YearForm, int, bool]:
    current = selectors.local_date().year
    form = YearForm(request.GET if "year" in request.GET else {"year": current})
    if form.is_valid():
        return form, form.cleaned_data["year"], True
    return form, current, False


@login_required
@require_GET
def calendar(request):
    """The office's calendar of key monitoring periods, by year; leaders read it."""
    access.require_reader(request.user)
    form, year, valid = _year(request)
    context = {
        "form": form,
        "year": year,
        "periods": list(selectors.period_list(year=year).select_related("created_by")),
        "today": selectors.local_date(),
        "may_keep": access.may_keep_calendar(request.user),
        "seed_form": SeedForm(initial={"year": year}, auto_id="seed-%s"),
    }
    return render(request, "monitoring/calendar.html", context, status=200 if valid else 400)


def _fields(data: dict) -> dict:
    return {name: data.get(name) for name in services.PERIOD_FIELDS} | {"note": data.get("note") or ""}


@login_required
def period_create(request):
    access.require_keeper(request.user)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.period_create(actor=request.user, **_fields(form.cleaned_data))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记重点监测时段：{period}。")
            return redirect("monitoring:period_detail", period.pk)
    context = {"form": form, "period": None}
    return render(request, "monitoring/period_form.html", context, status=400 if form.errors else 200)


@login_required
def period_edit(request, pk: int):
    period = access.access_period(request.user, pk, keep=True)
    if request.method == "POST":
        form = PeriodForm(request.POST)
        if form.is_valid():
            try:
                period = services.period_update(
                    actor=request.user,
                    period=period,
                    expected_version=form.cleaned_data["version"],
                    **_fields(form.cleaned_data),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已修改重点监测时段：{period}。")
                return redirect("monitoring:period_detail", period.pk)
    else:
        form = PeriodForm(
            initial={name: getattr(period, name) for name in services.PERIOD_FIELDS}
            | {"version": period.version}
        )
    context = {"form": form, "period": period}
    return render(request, "monitoring/period_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def period_delete(request, pk: int):
    period = access.access_period(request.user, pk, keep=True)
    try:
        services.period_delete(actor=request.user, period=period)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:period_detail", period.pk)
    messages.success(request, f"已删除重点监测时段：{period}。")
    return redirect(f"{reverse('monitoring:calendar')}?year={period.start_date.year}")


@login_required
@require_GET
def period_detail(request, pk: int):
    period = access.access_period(request.user, pk)
    shifts = selectors.shifts_of(period)
    context = {
        "period": period,
        "days": [(day, shifts.get(day)) for day in selectors.period_days(period)],
        "may_keep": access.may_keep_calendar(request.user),
    }
    return render(request, "monitoring/period_detail.html", context)


@login_required
@require_POST
def seed(request):
    """The calendar page's button: the year's 国家法定节假日 from chinese_calendar."""
    access.require_keeper(request.user)
    form = SeedForm(request.POST, auto_id="seed-%s")
    if not form.is_valid():
        messages.error(request, "年度应为 2000 年至 2099 年之间的整数。")
        return redirect("monitoring:calendar")
    year = form.cleaned_data["year"]
    try:
        created = services.holidays_seed(actor=request.user, year=year)
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        if created:
            messages.success(
                request,
                f"已导入 {year} 年法定节假日 {len(created)} 个：{'、'.join(p.name for p in created)}。",
            )
        else:
            messages.info(request, f"{year} 年法定节假日均已导入，未作改动。")
    return redirect(f"{reverse('monitoring:calendar')}?year={year}")


@login_required
def roster(request, pk: int):
    """值班表: one row per day of the period."""
    period = access.access_period(request.user, pk, keep=True)
    shifts = selectors.shifts_of(period)
    people = people_choices()
    days = selectors.period_days(period)
    data = request.POST if request.method == "POST" else None
    forms = [
        DutyRowForm(
            data,
            day=day,
            people=people,
            initial={"person": shifts[day].person_id, "phone": shifts[day].phone} if day in shifts else {},
        )
        for day in days
    ]
    if data is not None and all(f.is_valid() for f in forms):
        chosen = User.objects.in_bulk([f.cleaned_data["person"] for f in forms if f.cleaned_data["person"]])
        rows = [(f.day, chosen.get(f.cleaned_data["person"]), f.cleaned_data["phone"]) for f in forms]
        try:
            kept = services.duty_roster_save(actor=request.user, period=period, rows=rows)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"值班表已保存（{kept} 天有人值班）。")
            return redirect("monitoring:period_detail", period.pk)
    invalid = data is not None
    context = {"period": period, "forms": forms}
    return render(request, "monitoring/roster.html", context, status=400 if invalid else 200)


@login_required
def nil_report(request):
    """The liaison's 零报告 of today: one click for "本部门今日未发现舆情"."""
    departments = selectors.liaison_departments(request.user)
    access.require_liaison(request.user, departments)
    today = selectors.local_date()
    periods = [p for p in selectors.active_periods(today) if p.nil_report_required]
    form = NilReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = next((d for d in departments if d.pk == form.cleaned_data["department"]), None)
        if chosen is None:
            messages.error(request, "只能报送您备案联络的部门的零报告。")
            return redirect("monitoring:nil_report")
        try:
            report = services.nil_report_submit(
                actor=request.user, department=chosen, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            listed = report.incidents.count()
            messages.success(
                request,
                f"{chosen.name}今日零报告已报送："
                + (f"列明今日上报的舆情 {listed} 起。" if listed else f"{services.rules.NOTHING_FOUND}。"),
            )
        return redirect("monitoring:nil_report")
    reports = {
        r.department_id: r for r in selectors.nil_reports_of_day(today).filter(department__in=departments)
    }
    context = {
        "form": form,
        "periods": periods,
        "today": today,
        "rows": [
            (
                d,
                reports.get(d.pk),
                form
                if form.is_bound
                else NilReportForm(initial={"department": d.pk}, auto_id=f"nil{d.pk}-%s"),
            )
            for d in departments
        ],
        "due_time": services.rules.due_time(),
        "nothing_found": services.rules.NOTHING_FOUND,
    }
    return render(request, "monitoring/nil_report.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def nil_report_status(request):
    """The office's view: today's 零报告 per department (已报送 / 迟报 / 缺报 / 待报送) and the last days."""
    access.require_reader(request.user)
    today = selectors.local_date()
    context = {
        "today": today,
        "periods": [p for p in selectors.active_periods(today) if p.nil_report_required],
        "reports": list(selectors.nil_reports_of_day(today)),
        "history": list(
            selectors.nil_report_history(
                since=today - dt.timedelta(days=HISTORY_DAYS), until=today - dt.timedelta(days=1)
            )
        ),
        "history_days": HISTORY_DAYS,
    }
    return render(request, "monitoring/nil_report_status.html", context)
