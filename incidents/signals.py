"""What the case-handling core announces to the apps built on it, so that it never imports them.

- `incident_archived(incident, actor)`: sent by incidents.services.incident_archive inside its transaction;
  the work archive (reports.receivers) requests the dossier there, so it commits or rolls back with the archive.
"""

from django.dispatch import Signal

incident_archived = Signal()
