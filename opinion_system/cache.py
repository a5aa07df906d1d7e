"""Django's Redis cache, made optional: while Redis is unreachable every call is a miss or a no-op, not a 500.

Redis holds nothing here that the database does not (sessions are cached_db, form tokens are rows, counts and
PDFs are recomputed), so an outage may only cost speed. Three rules make that true:

- Only connection and timeout errors are swallowed; a programming error (a bad key, a wrong type) still raises.
- A circuit breaker per Redis server and process: after a failure Redis is left alone for `breaker_seconds`,
  then one caller probes it. A page pays a connection timeout (OPTIONS socket_connect_timeout/socket_timeout,
  well under a second) at most once per window, not once per cache call. It logs once per outage.
- The sessions trap: a logout during the outage deletes the database row but not the cached copy, which would
  sign the person in again when Redis comes back. So the probe that finds Redis back deletes this site's session
  keys (SCAN + DEL) before any cache call goes through; sessions are then read from the database once and
  cached again. A process that saw no request during the outage cannot know of it, so a process that has not
  heard from Redis for `idle_seconds` (and a new process) probes and purges the same way before its first call:
  only an outage shorter than that, in another process, can leave a copy behind, until that process' probe.
The same breaker tells the publishers of Celery tasks (same Redis) not to try while Redis is known down.
"""

import logging
import math
import re
import threading
import time
import urllib.parse

import redis
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# Redis unreachable, refusing, hung or still loading its data set: an outage, not a bug in the caller.
DOWN_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
BREAKER_SECONDS = 15
IDLE_SECONDS = 60
SESSION_KEY_PREFIX = "django.contrib.sessions.cache"  # the cache and cached_db session engines both start so
PURGE_BATCH = 500

_now = time.monotonic  # replaced by the tests to move the breaker's clock


def server_id(url: str) -> str:
    """host:port (or the socket path) of a Redis URL: an outage is the server's, whichever database is used."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


class Breaker:
    """Closed (Redis used), open (left alone until `open_until`), then one probe; per server, per process."""

    def __init__(self, server: str, seconds: float, idle: float):
        self.server, self.seconds, self.idle = server, seconds, idle
        self.lock = threading.Lock()
        self.down_since: float | None = None  # set while open: the outage as this process saw it
        self.open_until = 0.0
        self.last_ok = -math.inf  # a new process has heard nothing yet

    def state(self) -> str:
        """'closed', 'open', or 'probe' for the one caller whose turn it is to try Redis (and purge) first."""
        now = _now()
        if self.down_since is None and now >= self.open_until and now - self.last_ok <= self.idle:
            return "closed"  # the common case takes no lock
        with self.lock:
            if now < self.open_until:
                return "open"
            if self.down_since is None and now - self.last_ok <= self.idle:
                return "closed"
            self.open_until = now + self.seconds  # the others skip Redis while this caller probes
            return "probe"

    def ok(self) -> None:
        self.last_ok = _now()

    def fail(self, exc: Exception) -> None:
        with self.lock:
            now = _now()
            first = self.down_since is None
            if first:
                self.down_since = now
            self.open_until = now + self.seconds
        if first:
            log.warning(
                "Redis %s 不可用，缓存按未命中处理、任务暂不投递，%s 秒后再试：%s",
                self.server,
                self.seconds,
                exc,
            )
        else:
            log.debug("Redis %s still unavailable: %s", self.server, exc)

    def close(self, purged: int) -> None:
        with self.lock:
            down_since, self.down_since = self.down_since, None
            self.open_until, self.last_ok = 0.0, _now()
        if down_since is not None:
            log.warning(
                "Redis %s 已恢复（本进程约 %s 秒不可用），已清除 %s 个会话缓存",
                self.server,
                int(self.last_ok - down_since),
                purged,
            )

    @property
    def known_down(self) -> bool:
        return self.down_since is not None


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(server: str, seconds: float = BREAKER_SECONDS, idle: float = IDLE_SECONDS) -> Breaker:
    with _breakers_lock:
        if server not in _breakers:
            _breakers[server] = Breaker(server, seconds, idle)
        return _breakers[server]


def reset_breakers() -> None:
    """Forget every outage, as a new process (tests only: a process must keep it, to purge on recovery)."""
    with _breakers_lock:
        for breaker in _breakers.values():
            breaker.down_since, breaker.open_until, breaker.last_ok = None, 0.0, -math.inf


class ResilientRedisCache(RedisCache):
    """RedisCache whose every call answers as a miss or a no-op while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        options = dict(self._options)
        # Ours, not redis-py connection options.
        seconds = options.pop("breaker_seconds", BREAKER_SECONDS)
        idle = options.pop("idle_seconds", IDLE_SECONDS)
        self._options = options
        self.server_id = server_id(self._servers[0])  # writes (and the purge) go to the first server
        self.breaker = breaker_for(self.server_id, seconds, idle)

    def _call(self, miss, operation, *args, **kwargs):
        if not self.available():
            return miss
        try:
            result = operation(*args, **kwargs)
        except DOWN_ERRORS as exc:
            self.breaker.fail(exc)
            return miss
        self.breaker.ok()
        return result

    def available(self) -> bool:
        """Whether Redis may be used now; the caller whose turn it is probes it (and purges sessions)."""
        state = self.breaker.state()
        if state == "closed":
            return True
        if state == "open":
            return False
        try:
            self._cache.get_client(None, write=True).ping()
            purged = self.purge_sessions()
        except DOWN_ERRORS as exc:
            self.breaker.fail(exc)
            return False
        except redis.exceptions.RedisError as exc:  # e.g. SCAN renamed away: unpurged copies must not be read
            log.exception("清除会话缓存失败，暂不使用 Redis")
            self.breaker.fail(exc)
            return False
        self.breaker.close(purged)
        return True

    def purge_sessions(self) -> int:
        """Delete this site's cached sessions (its key prefix and version): the database has the truth."""
        client = self._cache.get_client(None, write=True)
        pattern = re.sub(r"([*?\[\]\\^])", r"\\\1", self.make_key(SESSION_KEY_PREFIX)) + "*"
        purged, batch = 0, []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= PURGE_BATCH:
                purged += client.delete(*batch)
                batch = []
        if batch:
            purged += client.delete(*batch)
        return purged

    def ping(self) -> bool:
        """Ask Redis itself, through the breaker (before the sweep publishes: a hung Redis costs one timeout)."""
        return self._call(False, lambda: bool(self._cache.get_client(None, write=True).ping()))

    # Each operation: what a miss (or a no-op) answers.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Not added: a caller using add() as a lock is refused rather than let through twice.
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._call(None, super().incr, key, delta, version)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")  # what a missing key raises
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)  # every key failed

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)


def _broker_cache() -> ResilientRedisCache | None:
    """The cache on the broker's Redis server, whose breaker speaks for the broker (None: no broker to ask)."""
    from celery import current_app as app  # the project's app (opinion_system/__init__ loads it), by name

    if app.conf.task_always_eager:
        return None  # tasks run in-process: no broker
    broker = server_id(app.conf.broker_url or "")
    for alias in caches.settings:
        backend = caches[alias]
        if isinstance(backend, ResilientRedisCache) and backend.server_id == broker:
            return backend
    return None


def broker_ready(*, ping: bool = False) -> bool:
    """Whether to publish tasks now: False while the broker's Redis is known down (then without any network).

    With ping, Redis is asked first: a caller about to publish many tasks (the sweep) waits one short timeout
    instead of the broker's own connection timeout and retries.
    """
    backend = _broker_cache()
    if backend is None:
        return True
    return backend.ping() if ping else backend.available()


def broker_known_down() -> bool:
    """Whether this process knows the broker's Redis is down (no network: for the office's banner)."""
    backend = _broker_cache()
    return backend is not None and backend.breaker.known_down


def publish(task, *args) -> bool:
    """task.delay(*args) unless the broker is known down; False when the task was not handed over.

    The caller keeps its row pending, so the sweep queues it again once Redis is back: a request never waits
    for the broker's retries, and one failed publish stops the next ones (and the cache) from trying for a while.
    """
    if not broker_ready():
        return False
    try:
        task.delay(*args)
    except (OperationalError, *DOWN_ERRORS) as exc:  # kombu wraps the connection errors in OperationalError
        backend = _broker_cache()
        if backend is not None:
            backend.breaker.fail(exc)
        log.warning("任务 %s%s 未投递（消息队列不可用），等待下次巡检补发：%s", task.name, args, exc)
        return False
    return True
