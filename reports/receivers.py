"""The work archive's part in the case-handling core's events."""

from django.dispatch import receiver

from incidents.signals import archive_amended, incident_archived

from . import services


@receiver(incident_archived, dispatch_uid="reports_dossier_on_archive")
def _request_dossier(sender, incident, actor, **kwargs):
    # 第十四条: an archived case has its dossier; requested in the archive's own transaction.
    services.dossier_request(incident=incident, actor=actor)


@receiver(archive_amended, dispatch_uid="reports_dossier_on_addendum")
def _redraw_dossier(sender, incident, actor, reason, **kwargs):
    # 第十四条: a review meeting held after archiving joins the archive; the earlier file is kept as a version.
    services.dossier_request(incident=incident, actor=actor, redraw=True, reason=reason)
