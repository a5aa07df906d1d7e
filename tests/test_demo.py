"""The demo data: loads through the services, covers every status, and its office user can sign in."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.models import Category, Incident, Level, Status


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_demo_covers_every_category_level_and_status(demo):
    assert set(Incident.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Incident.objects.exclude(category="").values_list("category", flat=True)) == set(
        Category.values
    )
    assert set(Incident.objects.exclude(level=None).values_list("level", flat=True)) == set(Level.values)
    assert 25 <= Incident.objects.count() <= 40


def test_demo_office_user_signs_in_and_sees_the_incidents(client, demo):
    page = client.post(reverse("login"), {"username": "office1", "password": "demo12345"}, follow=True)
    assert page.status_code == 200
    assert Incident.objects.order_by("-reported_at").first().number in page.content.decode()


def test_demo_is_loaded_once(demo, capsys):
    call_command("seed_demo")
    assert "跳过" in capsys.readouterr().out


def test_demo_shows_each_person_work_waiting_and_the_rules_of_issue_13(demo):
    from departments.models import User
    from evaluation.models import LedgerEntry
    from incidents import worklist
    from incidents.models import Deadline, DisposalForm

    call_command("seed_demo_ledger", verbosity=0)
    # The ledger links its decisions to the demo's incidents; a second run adds nothing.
    assert LedgerEntry.objects.count() == 3 and all(e.incidents.exists() for e in LedgerEntry.objects.all())
    call_command("seed_demo_ledger", verbosity=0)
    assert LedgerEntry.objects.count() == 3
    # 第四条: one joint meeting held, its decision on an incident being disposed of, an open risk item.
    from meetings.models import JointMeeting, RiskItem

    call_command("seed_demo_meetings", verbosity=0)
    call_command("seed_demo_meetings", verbosity=0)
    meeting = JointMeeting.objects.get()
    assert meeting.status == JointMeeting.Status.HELD and meeting.decisions.count() == 1
    assert RiskItem.objects.filter(meeting=meeting, done_at=None).count() == 1
    # A head has a form to sign, a supervising leader an opinion to give, the office its queues.
    assert worklist.counts(user=User.objects.get(username="rmtzx_head")).get("to_sign") == 1
    assert worklist.counts(user=User.objects.get(username="fuzuzhang")).get("to_give_opinion", 0) >= 1
    assert {"to_assess", "to_file", "to_archive"} <= set(
        worklist.counts(user=User.objects.get(username="office1"))
    )
    # One form was filed on the office's waiver, and an archived case kept the day it missed.
    assert DisposalForm.objects.exclude(opinion_waived_at=None).exists()
    assert Deadline.objects.filter(state=Deadline.State.MISSED, misses__gte=1).exists()


def test_demo_has_an_issued_bulletin_with_receipts_and_a_draft(demo):
    from bulletins.models import Bulletin, BulletinReceipt

    call_command("seed_demo_bulletins", verbosity=0)
    issued = Bulletin.objects.get(status=Bulletin.Status.ISSUED)
    assert issued.number == 1 and issued.incidents.exists() and issued.figures["total"] > 0
    assert BulletinReceipt.objects.filter(bulletin=issued, first_opened_at__isnull=False).exists()
    assert BulletinReceipt.objects.filter(bulletin=issued, first_opened_at__isnull=True).exists()
    assert Bulletin.objects.filter(status=Bulletin.Status.DRAFT).count() == 1
    call_command("seed_demo_bulletins", verbosity=0)  # a second run adds nothing
    assert Bulletin.objects.count() == 2


def test_demo_shows_a_key_monitoring_period_with_its_banner_roster_and_nil_reports(client, demo):
    from monitoring.models import DutyShift, KeyMonitoringPeriod, NilReport

    call_command("seed_demo_monitoring", verbosity=0)
    call_command("seed_demo_monitoring", verbosity=0)  # a second run adds nothing
    assert KeyMonitoringPeriod.objects.filter(kind="sensitive").count() == 1
    assert KeyMonitoringPeriod.objects.filter(kind="holiday").count() == 7  # the demo's year is 2026
    assert DutyShift.objects.count() == 7 and NilReport.objects.filter(submitted_at__isnull=False).exists()
    page = client.post(reverse("login"), {"username": "xsc_liaison", "password": "demo12345"}, follow=True)
    text = page.content.decode()
    assert "重点监测时段：重要会议期间敏感时期" in text and 'href="/monitoring/nil-report/"' in text


def test_demo_has_leads_waiting_merged_and_dismissed(client, demo):
    from leads.models import Lead

    call_command("seed_demo_leads", verbosity=0)
    call_command("seed_demo_leads", verbosity=0)  # a second run adds nothing
    counts = {status: Lead.objects.filter(status=status).count() for status in Lead.Status}
    assert counts == {"new": 3, "promoted": 0, "merged": 1, "dismissed": 1}
    assert Lead.objects.get(status="merged").incident.sources.filter(url__contains="douyin").exists()
    page = client.post(reverse("login"), {"username": "office1", "password": "demo12345"}, follow=True)
    assert 'href="/leads/"' in page.content.decode()
    inbox = client.get(reverse("leads:inbox")).content.decode()
    assert "网传某专业期末考试泄题" in inbox and "培训机构借学校名义招生广告" not in inbox
