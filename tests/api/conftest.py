"""API clients for the named people of the college: each request carries the client's token."""

import pytest
from django.test import Client

from api.services import api_client_create


def token_client(user, *, name: str = "监测系统", rate: int | None = None) -> tuple[Client, object]:
    """A test client sending the token of a new ApiClient acting as `user`; and the ApiClient."""
    api_client, token = api_client_create(actor=None, user=user, name=name, rate_per_minute=rate)
    return Client(headers={"authorization": f"Token {token}"}, raise_request_exception=False), api_client


@pytest.fixture
def office_api(org):
    return token_client(org.p.clerk, name="党群工作部脚本")[0]


@pytest.fixture
def xsc_api(org):
    """学生处's liaison's account behind a client (another department than 人事处)."""
    return token_client(org.p.xsc_liaison, name="学生处")[0]
