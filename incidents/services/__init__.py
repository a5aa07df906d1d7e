"""One door for every change of an incident. Views, admin, tasks and commands call these functions only."""

from .assessment import (
    incident_assess,
    incident_change_level,
    incident_merge,
    incident_reassign,
    level_one_duty_record,
)
from .disposal import (
    disposal_end,
    progress_report_add,
    statement_approve,
    statement_publish,
    statement_reject,
    statement_save_draft,
    statement_submit,
)
from .filing import (
    disposal_form_file,
    disposal_form_leader_opinion,
    disposal_form_request_signature,
    disposal_form_return,
    disposal_form_save,
    disposal_form_sign,
    disposal_form_submit,
    disposal_form_waive_opinion,
    incident_archive,
    review_meeting_record,
    review_settled,
    review_waive,
)
from .level_one import contact_log_add, level_one_duty_waive, upward_report_add
from .reporting import (
    evidence_add,
    evidence_add_files,
    evidence_thumbnails_make,
    incident_report,
    source_add,
)
from .team import TeamRow, team_save

__all__ = [
    "TeamRow",
    "contact_log_add",
    "disposal_end",
    "disposal_form_file",
    "disposal_form_leader_opinion",
    "disposal_form_request_signature",
    "disposal_form_return",
    "disposal_form_save",
    "disposal_form_sign",
    "disposal_form_submit",
    "disposal_form_waive_opinion",
    "evidence_add",
    "evidence_add_files",
    "evidence_thumbnails_make",
    "incident_archive",
    "incident_assess",
    "incident_change_level",
    "incident_merge",
    "incident_reassign",
    "incident_report",
    "level_one_duty_record",
    "level_one_duty_waive",
    "progress_report_add",
    "review_meeting_record",
    "review_settled",
    "review_waive",
    "source_add",
    "statement_approve",
    "statement_publish",
    "statement_reject",
    "statement_save_draft",
    "statement_submit",
    "team_save",
    "upward_report_add",
]
