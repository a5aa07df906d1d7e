"""schemathesis against the API in-process: the schema drf-spectacular generates, every operation, with the
office client's token. No request may answer 5xx, and every documented answer must match its schema.

Bounded and repeatable: a fixed number of examples per operation, derandomized, no example database.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.services import api_client_create
from tests.factories import assessed, report
from tests.leads.conftest import add_info_center, push

EXAMPLES = 25
REAL_ITEM = {"platform": "微博", "url": "https://weibo.com/fuzz/1", "title": "网传", "source_system": "监测",
             "captured_at": "2026-01-05T08:00:00+08:00", "external_id": "FUZZ-1"}  # fmt: skip
CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(label: str, strategy, headers: dict, ran: list, failures: list) -> None:
    """EXAMPLES cases of one operation; each answer is recorded, each failed check collected (not raised)."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        ran.append((label, response.status_code))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (
            AssertionError,
            BaseExceptionGroup,
        ) as exc:  # a failed check (or several): one list reports all
            failures.append(f"{label} → {response.status_code}: {str(exc)[:400]}")

    run()


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler in this thread: the test's transaction is the one it reads. As Django's test client
    does, the request signals must not close that connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_no_server_error_and_every_answer_in_the_schema(org, wsgi_app, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    incident = assessed(org, level=2)
    report(org)  # a notice for the office, an unassessed incident (no level)
    lead, _ = push(add_info_center(org).monitor)
    _, token = api_client_create(actor=None, user=org.p.clerk, name="模糊测试", rate_per_minute=100_000)
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    schema.app = wsgi_app
    headers = {"Authorization": f"Bearer {token}"}
    real_ids = {"incidents": incident.pk, "leads": lead.pk}
    ran, failures = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        # Valid requests, and requests the schema says are invalid (these must be refused, never a 500).
        strategy = st.one_of(
            operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        )
        if "{id}" in operation.path:
            real = real_ids[operation.path.split("/")[3]]
            strategy = st.one_of(strategy, operation.as_strategy(path_parameters={"id": real}))
        if operation.method.upper() == "POST":  # beside the generated bodies (mostly refused), a real item
            strategy = st.one_of(
                strategy, operation.as_strategy(body=REAL_ITEM, media_type="application/json")
            )
        fuzz(operation.label, strategy, headers, ran, failures)
    operations = {label for label, _ in ran}
    assert len(operations) == 7, operations  # 3 incident, 3 lead (list, push, one), 1 notice operations
    assert not failures, "\n".join(dict.fromkeys(failures))
    assert any(code == 200 for label, code in ran if "{id}" in label), "the real ids were reached"
    assert any(code == 201 for label, code in ran if label.startswith("POST")), "a lead was pushed"
