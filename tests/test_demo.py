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
