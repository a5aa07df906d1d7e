"""第九条、第十条 in the work archive: the reports upward, the contacts and a waived duty are part of the dossier."""

import json

import pytest

from incidents import services as incident_services
from reports import selectors
from reports.models import Dossier
from tests.factories import assessed, filed, reviewed
from tests.reports.test_archive import archive_now, pdf_text, squeezed

pytestmark = pytest.mark.django_db


def test_the_dossier_of_a_level_one_case_lists_its_reports_upward_and_contacts(
    org, django_capture_on_commit_callbacks
):
    incident = filed(org, level=1, category="E")
    incident_services.contact_log_add(
        incident=incident, actor=org.p.clerk, counterpart="自贡日报社", kind="media", channel="phone",
        content="通报学校已采取的措施",
    )  # fmt: skip
    archive_now(org, reviewed(org, incident), capture=django_capture_on_commit_callbacks)
    flat = squeezed(pdf_text(Dossier.objects.get(incident=incident).file.read()))
    for text in ("向上级网络舆情主管部门报告", "省委教育工委网络舆情处置办公室", "报告舆情基本情况及已采取的措施",
                 "与主流媒体、相关部门的联系", "自贡日报社", "通报学校已采取的措施"):  # fmt: skip
        assert squeezed(text) in flat, text


def test_a_waived_duty_is_archived_with_who_waived_it_and_why(org):
    incident = assessed(org, level=1, category="E")
    incident_services.level_one_duty_waive(
        incident=incident, actor=org.p.clerk, kind="emergency_plan", reason="上级已统一启动应急预案"
    )
    duties = {row[0]: row[1] for row in selectors.dossier_data(incident).duties}
    assert "已免除" in duties["启动应急预案"] and "上级已统一启动应急预案" in duties["启动应急预案"]
    assert duties["向上级网络舆情主管部门报告"] == "未完成"


def test_a_case_without_reports_upward_hashes_as_dossiers_drawn_before_they_existed(org):
    fields = json.loads(selectors.dossier_data(assessed(org, level=2)).payload())
    assert not {"upward_reports", "contacts", "joint_decisions", "review_waiver"} & fields.keys()
