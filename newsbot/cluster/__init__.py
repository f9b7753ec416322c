"""Several workers, one crawl: ``-s NEWSBOT_CLUSTER=redis://host:6379/0`` (docs/cluster.md, "Running on several machines").

With that one setting a ``scrapy crawl`` joins the crawl that other workers (on this or
other machines) share through Redis:

* the **frontier** is scrapy-redis's scheduler and dupefilter (``frontier.py``,
  imported only by a cluster's crawl): list pages read once across the fleet, requests
  taken by whichever worker is free;
* the **state** is ``newsbot.storage.state.redis`` (``NEWSBOT_STATE`` defaults to the same Redis):
  articles are claimed with leases and written once (``claims.WriteClaimPipeline``);
* **politeness is global** (``politeness.py``): one per-host schedule in Redis,
  so N workers together fetch from a host no faster than one worker would;
* the **feed** is one shard per worker, ``feeds/{spider}.{worker}.jsonl``, merged by
  ``newsbot merge-shards`` (``shards.py``; each article's line is in exactly one shard);
* ``inflight.py`` and ``worker.py``: a request stays in its run's in-flight record until
  what it produced is in Redis, so what a killed worker had goes back to the queue; an
  idle worker waits while the crawl goes on elsewhere, and says what it cannot finish;
* the Lua scripts that change the shared queue and schedule are in ``lua/``.

Without the setting nothing here is enabled and a crawl is the single-machine default.
"""

from __future__ import annotations

import warnings

from scrapy.settings import SETTINGS_PRIORITIES

from newsbot.secrets import mask
from newsbot.storage.names import cluster_url
from newsbot.storage.state.connection import password_file_of

# scrapy-redis 0.9.1 still passes spider= to Scrapy's stats collector (deprecated since
# Scrapy 2.13, still working): harmless and not ours to change, so not in every worker's log.
warnings.filterwarnings("ignore", message="Passing a 'spider' argument to StatsCollector",
                        module="scrapy_redis")

DEFAULT_FORGET_AFTER = 600  # seconds: the shared dupefilter outlives the crawl's last request by this


def update_settings(settings) -> None:
    """Turn a crawl into a cluster worker when ``NEWSBOT_CLUSTER`` is set (called by the
    spiders' ``update_settings``, before the settings are frozen)."""
    url = cluster_url(settings)
    if not url:
        return
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError(f"NEWSBOT_CLUSTER={mask(url)!r} is not a Redis URL (redis://host:6379/0)")
    state = settings.get("NEWSBOT_STATE")
    if state and not str(state).startswith(("redis://", "rediss://")):
        raise ValueError(f"NEWSBOT_CLUSTER needs the state on Redis too; NEWSBOT_STATE={mask(state)!r} is a file")
    priority = "spider"  # below the command line: an operator's -s still wins
    settings.set("NEWSBOT_STATE", state or url, priority=priority)
    settings.set("REDIS_URL", url, priority=priority)
    # scrapy-redis opens its clients with newsbot's connect (the password file, TLS):
    # REDIS_PARAMS' redis_cls is scrapy-redis's hook, its other keys reach connect.
    params = {**settings.getdict("REDIS_PARAMS"), "redis_cls": "newsbot.cluster.frontier.Connection",
              "password_file": password_file_of(settings)}
    settings.set("REDIS_PARAMS", params, priority=max(settings.getpriority("REDIS_PARAMS") or 0,
                                                      SETTINGS_PRIORITIES["spider"]))
    settings.set("SCHEDULER", "newsbot.cluster.frontier.Scheduler", priority=priority)
    settings.set("DUPEFILTER_CLASS", "newsbot.cluster.frontier.ExpiringDupeFilter", priority=priority)
    # A worker that finishes must not flush the queue the others still work on.
    settings.set("SCHEDULER_PERSIST", True, priority=priority)
    settings.set("SCHEDULER_QUEUE_KEY", "newsbot:%(spider)s:requests", priority=priority)
    settings.set("SCHEDULER_DUPEFILTER_KEY", "newsbot:%(spider)s:dupefilter", priority=priority)
    # The per-host delay moves to Redis, fleet-wide: an operator's -s DOWNLOAD_DELAY becomes
    # the fleet's interval. Locally it is off, above the command line's priority (Scrapy
    # re-applies that after update_settings): a local delay, or AutoThrottle's, after the
    # shared schedule would only hold requests back and then send them bunched.
    settings.set("NEWSBOT_CLUSTER_HOST_INTERVAL", settings.getfloat("DOWNLOAD_DELAY"), priority=priority)
    for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False)):
        settings.set(name, value, priority=SETTINGS_PRIORITIES["cmdline"] + 1)
    # Before the host map rewrites the URL (960): the schedule is per real host.
    _add_component(settings, "DOWNLOADER_MIDDLEWARES", "newsbot.cluster.politeness.GlobalPolitenessMiddleware", 940)
    # After the dedupe (400), before local images are downloaded (450) and the files written (500).
    _add_component(settings, "ITEM_PIPELINES", "newsbot.cluster.claims.WriteClaimPipeline", 420)
    # Last before the engine: a response leaves the in-flight record once its output is in Redis.
    _add_component(settings, "SPIDER_MIDDLEWARES", "newsbot.cluster.inflight.InFlightOutputMiddleware", 5)
    _add_component(settings, "EXTENSIONS", "newsbot.cluster.worker.ClusterWorker", 400)


def _add_component(settings, name: str, path: str, order: int) -> None:
    """Add a component to the project's, at the spider's priority (at least): Scrapy
    re-applies the project's settings to the crawler after ``update_settings``."""
    components = settings.getdict(name)
    components[path] = order
    settings.set(name, components, priority=max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["spider"]))
