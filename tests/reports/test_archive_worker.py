"""The dossier drawn by a real Celery worker on the real Redis, while the incident page polls its progress."""

import hashlib

from django.urls import reverse

from incidents import services as incident_services
from reports import tasks
from reports.models import Dossier, JobStatus
from tests.factories import filed, reviewed
from tests.incidents.test_engine_delivery import REAL_COMMITS, REDIS_14, Worker, broker, redis14, wait_for

__all__ = ["redis14"]  # the fixture, imported for this module's tests


@REAL_COMMITS
def test_a_real_worker_draws_the_dossier_while_the_card_shows_its_progress(org, tmp_path, redis14, client):
    incident = reviewed(org, filed(org))
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = Worker(tmp_path, mail_dir)
    try:
        worker.wait_ready()
        client.force_login(org.p.clerk)
        card_url = reverse("reports:dossier_card", args=[incident.pk])
        with broker(REDIS_14):
            incident_services.incident_archive(incident=incident, actor=org.p.clerk)  # commits, then queues
            cards = []

            def finished():
                page = client.get(card_url).content.decode()
                cards.append(page)
                return "下载工作档案" in page

            wait_for(finished, timeout=60, what=lambda: f"the worker to draw the dossier:\n{worker.text()}")
            # The browser saw the job waiting or running (polling every second), then the finished card.
            assert 'hx-trigger="every 1s"' in cards[0] and 'role="progressbar"' in cards[0]
            assert "every 1s" not in cards[-1]
            dossier = Dossier.objects.get(incident=incident)
            assert (dossier.status, dossier.attempts, dossier.generation) == (JobStatus.DONE, 1, 1)
            response = client.get(reverse("reports:dossier_download", args=[incident.pk]))
            assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == dossier.sha256
            # Redis handing the same task over again: the worker's claim makes it a no-op.
            again = tasks.build_dossier.delay(dossier.pk)
            assert worker.task_line(again.id).endswith(": 'not-claimed'")
            assert Dossier.objects.get(pk=dossier.pk).generation == 1
    finally:
        worker.stop()
