import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import build_org


@pytest.fixture
def org(db):
    """The college as tests/conftest.py builds it, but set up on 1 January 2025: the cases of these tests happen
    in 2025, after the departments and their heads exist (the heads are read from the departments' history)."""
    with time_machine.travel(dt.datetime(2025, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        return build_org()
