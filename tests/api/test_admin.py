"""API clients in the admin: a superuser lists them, switches one off or gives it a new token (shown once);
nobody else sees them, and the token's hash is never on a page."""

import re

from django.test import Client
from django.urls import reverse

from api.models import ApiClient
from api.services import api_client_create, token_hash

CHANGELIST = reverse("admin:api_apiclient_changelist")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_superuser_lists_clients_without_their_token(org):
    api_client, token = api_client_create(actor=None, user=org.p.clerk, name="党群工作部脚本")
    page = signed_in(org.p.root).get(CHANGELIST).content.decode()
    assert "党群工作部脚本" in page and api_client.token_prefix in page
    assert token not in page and api_client.token_hash not in page
    detail = signed_in(org.p.root).get(reverse("admin:api_apiclient_change", args=[api_client.pk]))
    assert detail.status_code == 200 and api_client.token_hash not in detail.content.decode()


def test_deactivating_and_a_new_token_through_the_actions(org):
    api_client, old = api_client_create(actor=None, user=org.p.clerk, name="脚本")
    root = signed_in(org.p.root)
    answer = root.post(
        CHANGELIST, {"action": "issue_tokens", "_selected_action": [api_client.pk]}, follow=True
    )
    shown = re.search(r"(yq_[\w-]+)", answer.content.decode())[1]
    assert ApiClient.objects.get(pk=api_client.pk).token_hash == token_hash(shown) != token_hash(old)
    assert shown not in root.get(CHANGELIST).content.decode()  # once
    root.post(CHANGELIST, {"action": "deactivate_clients", "_selected_action": [api_client.pk]})
    assert not ApiClient.objects.get(pk=api_client.pk).is_active
    assert ApiClient.history.filter(id=api_client.pk).count() == 3  # created, new token, switched off


def test_nobody_but_a_superuser_sees_them(org):
    api_client_create(actor=None, user=org.p.clerk, name="脚本")
    for user in (org.p.sysadmin, org.p.clerk, org.p.secadmin):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        assert signed_in(user).get(CHANGELIST).status_code in (302, 403)
