"""The admin's history pages only show: nobody reverts a record to an earlier state there (it would bypass the
services and leave no case-log line), and nobody sees through them what the admin's lists hide."""

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from departments.models import Department
from incidents.models import Incident, IncidentEvent, ReplyStatement, SchedulerHeartbeat, Status
from notifications.models import Notice
from reports.models import ArchiveExport
from tests.factories import approved_statement, archived, assessed, report, submitted_statement

# Every kind of staff user: the appointed roles with admin rights, and a superuser.
STAFF = ["clerk", "leader", "top_leader", "approver", "sysadmin", "root"]


def staff_client(org, who: str) -> Client:
    user = getattr(org.p, who)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def history_urls(obj) -> tuple[str, str]:
    meta = obj._meta
    first = obj.history.order_by("history_id").first()
    return (
        reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk]),
        reverse(f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, first.history_id]),
    )


def revert_data(client, form_url: str) -> dict:
    """What the history form would send back for the earlier version, as the browser shows it."""
    page = client.get(form_url)
    if page.status_code != 200:
        return {"_save": "1"}
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    return {k: ("" if v is None else v) for k, v in data.items()} | {"_save": "1"}


@pytest.fixture
def records(org):
    """An archived incident, an approved statement and a department: each with an earlier state to revert to."""
    incident = archived(org)
    live = assessed(org, level=2)
    statement = approved_statement(org, live)
    return {"incident": incident, "statement": statement, "department": Department.objects.get(pk=org.xsc.pk)}


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("name", ["incident", "statement", "department"])
def test_posting_the_history_form_is_refused_and_changes_nothing(org, records, who, name):
    obj = records[name]
    before = model_to_dict(type(obj).objects.get(pk=obj.pk))
    events = IncidentEvent.objects.count()
    client = staff_client(org, who)
    _, form_url = history_urls(obj)
    response = client.post(form_url, revert_data(client, form_url))
    # Those who do not administer (a leader or 党政办 marked staff) are sent to the admin's sign-in page.
    kept_out = response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert response.status_code in (403, 404) or kept_out, (who, name, response.status_code)
    assert model_to_dict(type(obj).objects.get(pk=obj.pk)) == before
    assert IncidentEvent.objects.count() == events
    if name == "incident":
        assert Incident.objects.get(pk=obj.pk).status == Status.ARCHIVED


def test_the_history_is_still_shown_and_offers_no_revert(org, records):
    client = staff_client(org, "clerk")
    history_url, form_url = history_urls(records["incident"])
    assert client.get(history_url).status_code == 200
    page = client.get(form_url)
    assert page.status_code == 200
    assert page.context["revert_disabled"] is True
    assert "恢复" not in page.content.decode().split('id="content-main"')[-1].split("</form>")[-1]


def test_a_superuser_cannot_revert_either(org, records):
    from opinion_system.history_admin import HistoryAdmin

    request = type("Request", (), {"method": "POST", "user": org.p.root})()
    admin = HistoryAdmin(ReplyStatement, None)
    with pytest.raises(PermissionDenied):
        admin.history_form_view(request, str(records["statement"].pk), "1")


def test_history_pages_are_not_for_those_who_do_not_administer(org):
    # 党政办 marked staff still never reaches the admin: not the history of a statement sent to it, nor of a
    # draft that stays inside the department (departments.access.may_administer).
    hidden = assessed(org, level=2)
    from incidents import services

    draft = services.statement_save_draft(incident=hidden, actor=org.p.xsc_liaison, text="内部草稿")
    shown = submitted_statement(org, assessed(org, level=2))
    client = staff_client(org, "approver")
    for url in (*history_urls(draft), *history_urls(shown), *history_urls(hidden)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.parametrize("model", [IncidentEvent, Notice, ArchiveExport, SchedulerHeartbeat])
def test_models_without_history_have_the_plain_history_page(org, model):
    archived(org) if model is ArchiveExport else report(org)
    if model is SchedulerHeartbeat:
        from incidents import engine

        engine.sweep()
    if model is ArchiveExport:
        from reports import services as report_services

        today = timezone.localdate()
        report_services.export_request(actor=org.p.clerk, start=today, end=today)
    if model is Notice:
        Notice.objects.create(
            recipient=org.p.root,
            kind="test",
            subject="测试",
            text="测试",
            dedupe_key="t:1",
            created_at=timezone.now(),
        )
    obj = model.objects.order_by("pk").first()
    client = staff_client(org, "root")
    meta = model._meta
    response = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk]))
    assert response.status_code == 200
    with pytest.raises(NoReverseMatch):  # no simple-history form for a model that keeps no history
        reverse(f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, 1])


@pytest.mark.parametrize("object_id", ["abc", "1e3", "-1", "9" * 30, "%00"])
def test_a_forged_object_id_in_a_history_url_is_404(org, records, object_id):
    client = staff_client(org, "root")
    for meta in (Incident._meta, ReplyStatement._meta, Department._meta):
        url = f"/admin/{meta.app_label}/{meta.model_name}/{object_id}/history/"
        assert client.get(url).status_code == 404, url
        assert client.get(url + "1/").status_code == 404, url + "1/"
    incident = records["incident"]
    assert client.get(f"/admin/incidents/incident/{incident.pk}/history/abc/").status_code == 404


@pytest.mark.parametrize("who", ["root", "clerk"])
def test_a_nul_byte_in_an_admin_search_is_not_a_500(org, who):
    client = staff_client(org, who)
    for url in (
        "/admin/incidents/incident/?q=%00",
        "/admin/departments/user/?q=a%00b",
        "/admin/departments/department/?q=%00",
        "/admin/autocomplete/?app_label=departments&model_name=department&field_name=head&term=%00",
        "/admin/autocomplete/?app_label=departments&model_name=liaison&field_name=user&term=x%00",
    ):
        assert client.get(url).status_code < 500, url
