"""The state: every article written, queued, failed or skipped (``NEWSBOT_STATE``).

An SQLite file on one machine (``sqlite.py``, the default ``{output}/.newsbot/state.sqlite``),
or Redis for a cluster's workers (``redis.py``, ``NEWSBOT_STATE=redis://…``), both behind one
protocol (``base.py``: ``StateStore``). ``open_state`` is the one place settings become a
store; ``state_for_crawler`` keeps one per crawl, shared by the spider, the pipelines and
the extensions.
"""

from __future__ import annotations

from pathlib import Path

from newsbot.storage.names import worker_name
from newsbot.storage.state.base import RetrySchedule, StateStore


def state_path(settings) -> Path:
    explicit = settings.get("NEWSBOT_STATE")
    if explicit:
        return Path(explicit)
    return Path(settings.get("NEWSBOT_OUTPUT_DIR", "output")) / ".newsbot" / "state.sqlite"


def is_redis_url(value) -> bool:
    return str(value or "").startswith(("redis://", "rediss://"))


def open_state(settings, *, lock: bool = True, read_only: bool = False) -> StateStore:
    """The store ``settings`` name: Redis for a ``redis://`` ``NEWSBOT_STATE`` (this
    worker's name and lease from the cluster's settings), else the SQLite file (with the
    output directory's run lock too when ``lock``). ``lock=False``: an operator's command
    beside a running crawl; ``read_only``: an SQLite state that is only read, never created."""
    retry = RetrySchedule.from_settings(settings)
    location = settings.get("NEWSBOT_STATE")
    if is_redis_url(location):
        from newsbot.storage.state.connection import password_file_of
        from newsbot.storage.state.redis import DEFAULT_LEASE, RedisStateStore  # a cluster's (docs/cluster.md, "Running on several machines")

        return RedisStateStore(location, worker=worker_name(settings), lock=lock, retry=retry,
                               lease=settings.getfloat("NEWSBOT_CLUSTER_LEASE", DEFAULT_LEASE),
                               password_file=password_file_of(settings))
    from newsbot.storage.state.sqlite import SqliteStateStore

    return SqliteStateStore(state_path(settings), lock=lock, retry=retry, read_only=read_only,
                            output=settings.get("NEWSBOT_OUTPUT_DIR", "output") if lock else None)


def state_for_crawler(crawler) -> StateStore:
    """One store per crawl, shared by the spider, the pipelines and the extensions; closed
    when the engine stops."""
    store = getattr(crawler, "_newsbot_store", None)
    if store is None:
        from scrapy import signals

        store = crawler._newsbot_store = open_state(crawler.settings)
        crawler.signals.connect(store.close, signal=signals.engine_stopped)
    return store
