"""A page sent twice stores once: the second request with the same one-time token is refused and says so.

(The Back button's part — a page fetched again after Back carries fresh tokens — is tested in the browser:
tests/e2e/test_resubmit_back.py.)"""

import uuid

from django.urls import reverse

from incidents.models import ProgressReport, ReplyStatement
from tests.factories import assessed

REPEAT = "这张表单已经提交过，未重复登记。"


def send(client, incident, name, data):
    incident.refresh_from_db()
    return client.post(reverse("incidents:action", args=[incident.pk, name]), data, follow=True)


def test_a_progress_report_sent_twice_from_one_page_is_stored_once(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    data = {"version": incident.version, "content": "已联系后勤处核实。", "token": uuid.uuid4().hex}
    first = send(client, incident, "progress", data)
    assert "互通信息已报送" in first.content.decode()
    second = send(client, incident, "progress", data)
    assert REPEAT in second.content.decode()
    assert ProgressReport.objects.filter(incident=incident).count() == 1


def test_a_statement_version_sent_twice_from_one_page_is_stored_once(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    data = {
        "version": incident.version,
        "text": "关于食堂价格的情况说明",
        "token": uuid.uuid4().hex,
        "submit_for_review": "1",
    }
    assert "已报送党政办审定" in send(client, incident, "statement", data).content.decode()
    assert REPEAT in send(client, incident, "statement", data).content.decode()
    assert ReplyStatement.objects.filter(incident=incident).count() == 1


def test_a_refused_page_can_be_corrected_and_sent_with_its_token(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    token = uuid.uuid4().hex
    refused = send(
        client, incident, "progress", {"version": incident.version, "content": " ", "token": token}
    )
    assert REPEAT not in refused.content.decode()
    send(client, incident, "progress", {"version": incident.version, "content": "补上内容", "token": token})
    assert ProgressReport.objects.filter(incident=incident).count() == 1
