"""The demo college: departments, people, liaisons, official accounts and ~30 incidents, laid down by `seed()`.

Every write goes through departments.services and incidents.services. The history is laid down in the past
with opinion_system.clock.travel, one step at a time and all cases in time order, so numbers, case logs,
deadlines and notices are what the workflow itself produces. Steps planned for a moment still to come are left
undone: that is how cases stay in disposal with deadlines overdue or due soon.
"""

import datetime as dt

from django.db import transaction

from departments.models import Department

from .history import DemoDataError, History, settle_notices
from .organisation import LOGINS, PASSWORD, build_organisation, logins

__all__ = ["LOGINS", "PASSWORD", "DemoDataError", "logins", "seed"]


def seed(*, now: dt.datetime) -> bool:
    """Load the demo as it stands at `now`, in one transaction; False (and nothing written) if already loaded."""
    if Department.objects.exists():
        return False
    with transaction.atomic():
        History(build_organisation(), now).run()
        settle_notices(now)
    return True
