"""Every URL of the evaluation app (and the incident list's export) × every role × GET and POST: never a 500; pages
answer 200 or 403, objects 200 or 404, as evaluation.access says; a refused request writes nothing."""

import uuid

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from evaluation import access, services
from evaluation.models import EvaluationWeights, LedgerAttachment, LedgerEntry
from tests.factories import png_upload

ROLES = ("clerk", "approver", "leader", "top_leader", "xsc_head", "xsc_liaison", "xsc_leader", "rsc_head",
         "rsc_liaison", "rsc_leader", "xsc_staff", "outsider", "sysadmin", "secadmin", "root")  # fmt: skip


@pytest.fixture
def entry(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.ledger_entry_create(
        actor=org.p.clerk,
        kind=LedgerEntry.Kind.REWARD,
        department=org.xsc,
        person=org.p.xsc_liaison,
        decision="及时发现并上报舆情",
        decided_by="学校党委",
        decided_on=org.p.clerk.date_joined.date(),
        uploads=[png_upload()],
    )


def expected(name: str, user, method: str, entry: LedgerEntry) -> int:
    """The answer the rules give, computed from evaluation.access, never from the response."""
    reads = access.ledger_visible_to(user).filter(pk=entry.pk).exists()
    keeps = access.may_keep_ledger(user)
    if name in ("evaluation:index", "evaluation:index_xlsx"):
        return 405 if method == "POST" else (200 if access.may_see_evaluation(user) else 403)
    if name == "evaluation:weights":
        return (200 if method == "GET" else 400) if access.may_set_weights(user) else 403
    if name in ("evaluation:ledger", "evaluation:ledger_xlsx"):
        return 405 if method == "POST" else (200 if access.may_read_ledger(user) else 403)
    if name == "evaluation:ledger_create":
        return (200 if method == "GET" else 400) if keeps else 403  # the POST body below is incomplete
    if name in ("evaluation:ledger_detail", "evaluation:attachment_download"):
        return 405 if method == "POST" else (200 if reads else 404)
    if name == "evaluation:ledger_edit":
        return 404 if not reads else ((200 if method == "GET" else 400) if keeps else 403)
    if name == "incidents:list_xlsx":
        return 405 if method == "POST" else 200  # everyone who signs in: the rows are what they may see
    raise AssertionError(f"no rule for {name}")


def test_every_url_of_the_app_answers_every_role_as_the_rules_say(org, entry):
    attachment = LedgerAttachment.objects.get()
    resolver = get_resolver()
    names = sorted(
        f"evaluation:{n}" for n in resolver.namespace_dict["evaluation"][1].reverse_dict if isinstance(n, str)
    )
    urls = {
        "evaluation:index": reverse("evaluation:index"),
        "evaluation:index_xlsx": reverse("evaluation:index_xlsx"),
        "evaluation:weights": reverse("evaluation:weights"),
        "evaluation:ledger": reverse("evaluation:ledger"),
        "evaluation:ledger_xlsx": reverse("evaluation:ledger_xlsx"),
        "evaluation:ledger_create": reverse("evaluation:ledger_create"),
        "evaluation:ledger_detail": reverse("evaluation:ledger_detail", args=[entry.pk]),
        "evaluation:ledger_edit": reverse("evaluation:ledger_edit", args=[entry.pk]),
        "evaluation:attachment_download": reverse("evaluation:attachment_download", args=[attachment.pk]),
        "incidents:list_xlsx": reverse("incidents:list_xlsx"),
    }
    assert set(names) | {"incidents:list_xlsx"} == set(urls), "a new URL needs its rule here"
    before = (LedgerEntry.objects.count(), LedgerEntry.history.count(), EvaluationWeights.objects.count())
    problems = []
    anonymous = Client(raise_request_exception=False)
    for name, url in urls.items():
        for method in ("GET", "POST"):
            response = getattr(anonymous, method.lower())(url)
            if response.status_code != 302 or not response["Location"].startswith(reverse("login")):
                problems.append(f"anonymous {method} {url}: {response.status_code}")
        for role in ROLES:
            user = getattr(org.p, role)
            client = Client(raise_request_exception=False)
            client.force_login(user)
            for method in ("GET", "POST"):
                data = {"decision": "改", "token": uuid.uuid4().hex} if method == "POST" else None
                response = client.get(url) if method == "GET" else client.post(url, data)
                want = expected(name, user, method, entry)
                if response.status_code != want:
                    problems.append(f"{role} {method} {url}: got {response.status_code}, expected {want}")
                refused = response.status_code in (403, 404)
                html = response.get("Content-Type", "").startswith("text/html")
                if (
                    refused
                    and html
                    and not any("\u4e00" <= ch <= "\u9fff" for ch in response.content.decode())
                ):
                    problems.append(f"{role} {method} {url}: the refusal is not in Chinese")
    assert not problems, "\n".join(problems)
    # the weights POST of the office with an incomplete body is the form again, not a save; nothing else wrote
    assert (
        LedgerEntry.objects.count(),
        LedgerEntry.history.count(),
        EvaluationWeights.objects.count(),
    ) == before
