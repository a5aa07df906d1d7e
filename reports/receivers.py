"""The work archive's part in the case-handling core's events."""

from django.dispatch import receiver

from incidents.signals import incident_archived

from . import services


@receiver(incident_archived, dispatch_uid="reports_dossier_on_archive")
def _request_dossier(sender, incident, actor, **kwargs):
    # 第十四条: an archived case has its dossier; requested in the archive's own transaction.
    services.dossier_request(incident=incident, actor=actor)
