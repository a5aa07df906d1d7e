"""The incident pages, split by job: pages (reads), actions (every button), misc (files, bell, health)."""

from .actions import incident_action
from .exports import incident_list_xlsx
from .misc import evidence_download, health
from .pages import (
    home,
    incident_detail,
    incident_events,
    incident_list,
    incident_progress,
    incident_report,
    incident_statements,
    overview,
    statement_queue,
)

__all__ = [
    "evidence_download",
    "health",
    "home",
    "incident_action",
    "incident_detail",
    "incident_events",
    "incident_list",
    "incident_list_xlsx",
    "incident_progress",
    "incident_report",
    "incident_statements",
    "overview",
    "statement_queue",
]
