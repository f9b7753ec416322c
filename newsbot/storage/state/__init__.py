"""The state: every article written, queued, failed or skipped (``NEWSBOT_STATE``).

An SQLite file on one machine (``sqlite.py``, the default ``{output}/.newsbot/state.sqlite``),
or Redis for a cluster's workers (``redis.py``, ``NEWSBOT_STATE=redis://…``). One store per
crawl, shared by the spider, the pipelines and the extensions: ``state_for_crawler``.
"""

from __future__ import annotations

from pathlib import Path

from newsbot.storage.state.base import DEFAULT_BACKOFF_HOURS, DEFAULT_GIVE_UP_AFTER


def state_path(settings) -> Path:
    explicit = settings.get("NEWSBOT_STATE")
    if explicit:
        return Path(explicit)
    return Path(settings.get("NEWSBOT_OUTPUT_DIR", "output")) / ".newsbot" / "state.sqlite"


def is_redis_url(value) -> bool:
    return str(value or "").startswith(("redis://", "rediss://"))


def state_for_crawler(crawler):
    """One store per crawl, shared by the spider, the pipelines and the extensions; closed
    when the engine stops."""
    store = getattr(crawler, "_newsbot_store", None)
    if store is not None:
        return store
    settings = crawler.settings
    if is_redis_url(settings.get("NEWSBOT_STATE")):
        from newsbot.storage.state.redis import open_state  # a cluster's shared state (README, "Running on several machines")

        store = open_state(crawler)
    else:
        from newsbot.storage.state.sqlite import SqliteStateStore

        store = SqliteStateStore(
            state_path(settings), output=settings.get("NEWSBOT_OUTPUT_DIR", "output"),
            backoff_hours=[float(h) for h in settings.getlist("NEWSBOT_RETRY_BACKOFF_HOURS")]
            or DEFAULT_BACKOFF_HOURS,
            give_up_after=settings.getint("NEWSBOT_GIVE_UP_AFTER", DEFAULT_GIVE_UP_AFTER),
        )
        from scrapy import signals

        crawler.signals.connect(store.close, signal=signals.engine_stopped)
    crawler._newsbot_store = store
    return store
