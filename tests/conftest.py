"""Named people for each role, as the regulation names them."""

import pytest

from tests.factories import build_org


@pytest.fixture
def org(db):
    """The college: the office, 党政办, 学生处 and 人事处, with the people of every role."""
    return build_org()
