"""Nothing of one department's incident reaches people who may not see it (第五条): not through a merged
duplicate's page, the target's case log, nor the bell after the incident moved to another department."""

from django.test import Client
from django.urls import reverse

from incidents import selectors, services
from notifications import selectors as notice_selectors
from notifications.models import Notice
from tests.factories import assessed, report


def page(user, incident) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def merged_pair(org):
    """学生处's incident, and a duplicate that a member of 人事处 reported to 人事处, merged into it."""
    target = assessed(org, department=org.xsc)
    duplicate = report(org, reporter=org.p.rsc_liaison, department=org.rsc, title="人事处收到的同一舆情")
    services.incident_merge(incident=duplicate, into=target, actor=org.p.clerk, reason="同一事件")
    return target, duplicate


def test_the_duplicates_reporter_is_not_told_the_target(org):
    target, duplicate = merged_pair(org)
    shown = page(org.p.rsc_liaison, duplicate)
    assert target.number not in shown and f"/incidents/{target.pk}/" not in shown
    assert "合并至另一条舆情" in shown
    office = page(org.p.clerk, duplicate)
    assert target.number in office and f"/incidents/{target.pk}/" in office


def test_the_targets_case_log_names_the_duplicate_only_to_who_may_see_it(org):
    target, duplicate = merged_pair(org)
    shown = page(org.p.xsc_liaison, target)
    assert duplicate.number not in shown and org.p.rsc_liaison.display_name not in shown
    assert selectors.MERGED_FROM_HIDDEN in shown
    assert duplicate.number in page(org.p.clerk, target)


def test_a_notice_keeps_no_title_once_the_incident_moved_away(client, org):
    incident = assessed(org, department=org.xsc)
    Notice.objects.filter(incident=incident).delete()
    mine = Notice.objects.create(recipient=org.p.xsc_head, incident=incident, kind="test",
                                 subject=f"{incident.number} {incident.title}", text=incident.title,
                                 dedupe_key="disclosure:1", created_at=incident.reported_at,
                                 link=f"/incidents/{incident.pk}/")  # fmt: skip
    client.force_login(org.p.xsc_head)
    assert incident.title in client.get(reverse("notifications:list")).content.decode()
    services.incident_reassign(incident=incident, actor=org.p.clerk, department=org.rsc, reason="职责划分")
    shown = client.get(reverse("notifications:list")).content.decode()
    assert incident.title not in shown and f"/incidents/{incident.pk}/" not in shown
    assert notice_selectors.NOTICE_HIDDEN_SUBJECT in shown
    mine.refresh_from_db()
    assert mine.subject.startswith(incident.number)  # the row itself is kept as it was sent
