"""The demo runs with DEBUG on; a missing page and a refusal still answer with the product's Chinese pages
(templates/404.html, 403.html), never Django's English technical page (issue 15, item 10). A 500 keeps
Django's debugging page: that is what DEBUG is for."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import report


@pytest.fixture
def debug(settings):
    with override_settings(DEBUG=True):
        yield


def test_an_address_that_leads_nowhere_gets_the_chinese_404(client, org, debug):
    client.force_login(org.p.xsc_staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "您要查看的内容不存在" in page and "Page not found" not in page
    assert 'class="navbar' in page  # the product's frame, signed in


def test_an_incident_one_may_not_see_gets_the_chinese_404(client, org, debug):
    incident = report(org, reporter=org.p.xsc_liaison)
    client.force_login(org.p.outsider)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "您要查看的内容不存在" in page and "Page not found" not in page
    assert "Raised by" not in page  # nothing of the technical page's insides


def test_a_refusal_gets_the_chinese_403(client, org, debug):
    client.force_login(org.p.xsc_staff)
    response = client.get(reverse("departments:liaisons"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权操作" in page and "403 Forbidden" not in page


def test_a_missing_page_of_a_signed_out_visitor_is_chinese_too(client, db, debug):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_without_a_slash_the_address_is_still_corrected(client, org, debug):
    client.force_login(org.p.xsc_staff)
    response = client.get("/registers/liaisons")  # APPEND_SLASH: a redirect, not our 404
    assert response.status_code in (301, 302)
