"""What the case-handling core announces to the apps built on it, so that it never imports them.

- `incident_archived(incident, actor)`: sent by incidents.services.incident_archive inside its transaction;
  the work archive (reports.receivers) requests the dossier there, so it commits or rolls back with the archive.
- `archive_amended(incident, actor, reason)`: something was added to an archived case (a review meeting held
  after archiving, 第十四条); the work archive draws the dossier again and keeps the earlier file.
"""

from django.dispatch import Signal

incident_archived = Signal()
archive_amended = Signal()
