"""A real Celery producer in a test: the test settings run tasks eagerly, production publishes to Redis."""

from contextlib import contextmanager

import kombu.pools

from opinion_system.celery import app as celery_app


def _drop_pools() -> None:
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    kombu.pools.reset()  # kombu keeps connection and producer pools per broker URL, process-wide


@contextmanager
def broker(url: str):
    """Make this process a real producer on `url`, then restore the eager test settings."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    _drop_pools()
    conf.task_always_eager, conf.broker_url = False, url
    try:
        yield
    finally:
        _drop_pools()
        conf.task_always_eager, conf.broker_url = saved
