"""The data of an incident (舆情事件) and everything recorded while it is handled, by concept.

Rows change only through incidents.services; the allowed moves live in incidents.workflow, the regulation's
rules in incidents.rules. The notices about it live in the notifications app.
"""

from ..rules import Category, Level
from .deadlines import DUTY_DEADLINE_KINDS, Deadline, SchedulerHeartbeat, duty_deadline_kind
from .disposal import (
    ContactLog,
    DisposalForm,
    LevelOneDuty,
    ProgressReport,
    ReplyStatement,
    ReviewMeeting,
    UpwardReport,
)
from .incident import (
    Evidence,
    GradeEscalation,
    Incident,
    IncidentEvent,
    IncidentSource,
    Status,
    YearCounter,
    evidence_path,
)
from .review import DisposalTeamMember, ReviewWaiver, team_text
from .tokens import FormToken

__all__ = [
    "DUTY_DEADLINE_KINDS",
    "Category",
    "ContactLog",
    "Deadline",
    "DisposalForm",
    "DisposalTeamMember",
    "Evidence",
    "FormToken",
    "GradeEscalation",
    "Incident",
    "IncidentEvent",
    "IncidentSource",
    "Level",
    "LevelOneDuty",
    "ProgressReport",
    "ReplyStatement",
    "ReviewMeeting",
    "ReviewWaiver",
    "SchedulerHeartbeat",
    "Status",
    "UpwardReport",
    "YearCounter",
    "duty_deadline_kind",
    "evidence_path",
    "team_text",
]
