"""Several workers, one crawl: ``-s NEWSBOT_CLUSTER=redis://host:6379/0`` (README, "Running on several machines").

With that one setting a ``scrapy crawl`` joins the crawl that other workers (on this or
other machines) share through Redis:

* the **frontier** is scrapy-redis's scheduler and dupefilter (``newsbot.cluster_frontier``,
  imported only by a cluster's crawl): list pages read once across the fleet, requests
  taken by whichever worker is free;
* the **state** is ``newsbot.state_redis`` (``NEWSBOT_STATE`` defaults to the same Redis):
  articles are claimed with leases and written once (``WriteClaimPipeline``);
* **politeness is global** (``GlobalPolitenessMiddleware``): one per-host schedule in Redis,
  so N workers together fetch from a host no faster than one worker would;
* the **feed** is one shard per worker, ``feeds/{spider}.{worker}.jsonl``, merged by
  ``newsbot merge-shards`` (each article's line is in exactly one shard).

Without the setting nothing here is enabled and a crawl is the single-machine default.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import warnings
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES

from .urls import host_of

logger = logging.getLogger(__name__)

# scrapy-redis 0.9.1 still passes spider= to Scrapy's stats collector (deprecated since
# Scrapy 2.13, still working): harmless and not ours to change, so not in every worker's log.
warnings.filterwarnings("ignore", message="Passing a 'spider' argument to StatsCollector",
                        module="scrapy_redis")

DEFAULT_FORGET_AFTER = 600  # seconds: the shared dupefilter outlives the crawl's last request by this


def cluster_url(settings) -> str | None:
    return settings.get("NEWSBOT_CLUSTER") or None


def worker_name(settings) -> str:
    """This worker's stable name: its lock, its feed shard (``NEWSBOT_CLUSTER_WORKER``)."""
    return settings.get("NEWSBOT_CLUSTER_WORKER") or socket.gethostname()


def update_settings(settings) -> None:
    """Turn a crawl into a cluster worker when ``NEWSBOT_CLUSTER`` is set (called by the
    spiders' ``update_settings``, before the settings are frozen)."""
    url = cluster_url(settings)
    if not url:
        return
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError(f"NEWSBOT_CLUSTER={url!r} is not a Redis URL (redis://host:6379/0)")
    state = settings.get("NEWSBOT_STATE")
    if state and not str(state).startswith(("redis://", "rediss://")):
        raise ValueError(f"NEWSBOT_CLUSTER needs the state on Redis too; NEWSBOT_STATE={state!r} is a file")
    priority = "spider"  # below the command line: an operator's -s still wins
    settings.set("NEWSBOT_STATE", state or url, priority=priority)
    settings.set("REDIS_URL", url, priority=priority)
    settings.set("SCHEDULER", "newsbot.cluster_frontier.Scheduler", priority=priority)
    settings.set("DUPEFILTER_CLASS", "newsbot.cluster_frontier.ExpiringDupeFilter", priority=priority)
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
    _add_component(settings, "DOWNLOADER_MIDDLEWARES", "newsbot.cluster.GlobalPolitenessMiddleware", 940)
    # After the dedupe (400), before the files are written (500).
    _add_component(settings, "ITEM_PIPELINES", "newsbot.cluster.WriteClaimPipeline", 450)
    _add_component(settings, "EXTENSIONS", "newsbot.cluster.ClusterWorker", 400)


def _add_component(settings, name: str, path: str, order: int) -> None:
    """Add a component to the project's, at the spider's priority (at least): Scrapy
    re-applies the project's settings to the crawler after ``update_settings``."""
    components = settings.getdict(name)
    components[path] = order
    settings.set(name, components, priority=max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["spider"]))


def feed_name(settings, spider_name: str) -> str:
    """The default feed's file name: one shard per worker in a cluster."""
    if cluster_url(settings):
        return f"{spider_name}.{worker_name(settings)}.jsonl"
    return f"{spider_name}.jsonl"


def report_name(settings, spider_name: str) -> str:
    """The run reports' name: ``{spider}`` (``reports/{spider}-latest.json``), one per
    worker in a cluster (``{spider}.{worker}``): workers share the output directory."""
    if cluster_url(settings):
        return f"{spider_name}.{worker_name(settings)}"
    return spider_name


class InFlight:
    """Requests a run took from the shared queue and has not had an answer to, in Redis
    (``newsbot:{spider}:inflight:{run}``), so that when the run dies another worker puts
    them back in the queue (``recover``)."""

    def __init__(self, server, spider_name: str, store, queue):
        self.server = server
        self.store = store
        self.queue = queue
        self.prefix = f"newsbot:{spider_name}:inflight"
        self.key = f"{self.prefix}:{store.run_id}"
        self.server.sadd(f"{self.prefix}-runs", store.run_id)

    @staticmethod
    def _id(request) -> str:
        return str(id(request))  # the same Request object comes back with its response

    def add(self, request, encoded: bytes) -> None:
        self.server.hset(self.key, self._id(request), encoded)

    def done(self, request) -> None:
        self.server.hdel(self.key, self._id(request))

    def clear(self) -> None:
        """An idle run has nothing in flight (this also forgets a request a middleware
        dropped before the download, which no signal reports)."""
        self.server.delete(self.key)

    def close(self) -> None:
        self.clear()
        self.server.srem(f"{self.prefix}-runs", self.store.run_id)

    def _others(self):
        for run_id in self.server.smembers(f"{self.prefix}-runs"):
            run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
            if run_id != self.store.run_id:
                yield run_id

    def elsewhere(self) -> int:
        """Requests other runs have in flight (a live one's, or a dead one's not yet recovered)."""
        return sum(self.server.hlen(f"{self.prefix}:{run_id}") for run_id in self._others())

    def recover(self) -> int:
        """Put back in the queue the requests of runs that died (their worker lock is gone
        or held by another run); returns how many. One worker wins each dead run (RENAME)."""
        recovered = 0
        for run_id in self._others():
            worker = run_id.rsplit(":", 1)[0]
            if self.store.db.get(f"newsbot:worker:{worker}") == run_id:
                continue  # alive
            taken = f"{self.prefix}:recovering:{self.store.run_id}"
            try:
                self.server.rename(f"{self.prefix}:{run_id}", taken)
            except Exception:  # noqa: BLE001 - nothing left in flight, or another worker took it
                self.server.srem(f"{self.prefix}-runs", run_id)
                continue
            for encoded in self.server.hvals(taken):
                self.queue.push(self.queue._decode_request(encoded))
                recovered += 1
            self.server.delete(taken)
            self.server.srem(f"{self.prefix}-runs", run_id)
        return recovered


# Reserve the host's next free moment (the Redis server's clock, shared by all machines):
# returns how many milliseconds to wait before sending.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], slot + interval, 'PX', interval + 60000)
return slot - now
"""


class GlobalPolitenessMiddleware:
    """Every worker sends a request to a host only at a moment it reserved in Redis, one
    per ``NEWSBOT_CLUSTER_HOST_INTERVAL`` seconds per host across the fleet (the
    single-worker ``DOWNLOAD_DELAY``). The wait is a timer, not a blocking sleep."""

    def __init__(self, server, interval: float):
        self.server = server
        self.interval_ms = int(interval * 1000)
        self.reserve = server.register_script(RESERVE)

    @classmethod
    def from_crawler(cls, crawler):
        import redis

        interval = crawler.settings.getfloat("NEWSBOT_CLUSTER_HOST_INTERVAL")
        if not cluster_url(crawler.settings) or interval <= 0:
            raise NotConfigured
        return cls(redis.Redis.from_url(crawler.settings["REDIS_URL"]), interval)

    async def process_request(self, request, spider=None):
        host = host_of(request.url)  # the real host, before NEWSBOT_HOST_MAP rewrites it
        wait_ms = self.reserve(keys=[f"newsbot:host:{host}"], args=[self.interval_ms])
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return None


class WriteClaimPipeline:
    """Right before the files are written: take the article's exactly-once write claim
    in Redis, or drop the item when another worker wrote it or is writing it."""

    def __init__(self, crawler):
        from .state import StateStore

        self.store = StateStore.for_crawler(crawler)
        self.stats = crawler.stats
        if not hasattr(self.store, "claim_write"):
            raise NotConfigured

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        from .pipelines import Dropped

        if not self.store.claim_write(item.urlname):
            self.stats.inc_value("newsbot/dropped/written_elsewhere")
            raise Dropped("written_elsewhere", f"{item.url} is written by another worker", log_level="DEBUG")
        return item


class ClusterWorker:
    """Keeps this worker's leases alive while it runs (``NEWSBOT_CLUSTER_LEASE``), and keeps
    an idle worker from closing while the crawl goes on elsewhere: while another worker is
    busy (reading list pages that will queue articles for all), or due articles are claimed
    by others (if such a worker died, its leases run out and this one claims and finishes
    its articles). Busy workers are a sorted set in Redis, scored by when their lease ends."""

    def __init__(self, crawler):
        from .state import StateStore

        self.crawler = crawler
        self.store = StateStore.for_crawler(crawler)
        if not hasattr(self.store, "renew"):
            raise NotConfigured
        self.loop = None
        self.busy = True
        self.busy_key = f"newsbot:busy:{crawler.spidercls.name}"

    @classmethod
    def from_crawler(cls, crawler):
        if not cluster_url(crawler.settings):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.working, signal=signals.request_scheduled)
        crawler.signals.connect(extension.answered, signal=signals.response_received)
        crawler.signals.connect(extension.answered, signal=signals.request_left_downloader)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        from twisted.internet import task

        self.loop = task.LoopingCall(self.heartbeat)
        self.loop.start(max(self.store.lease_ms / 3000, 0.2), now=True)
        logger.info("cluster worker %s joined the crawl on %s", self.store.worker,
                    self.crawler.settings.get("NEWSBOT_CLUSTER"))

    def _now_ms(self) -> int:
        seconds, micros = self.store.db.time()  # the server's clock, the same for every machine
        return seconds * 1000 + micros // 1000

    def heartbeat(self):
        self.store.renew()
        if self.busy:
            self.store.db.zadd(self.busy_key, {self.store.run_id: self._now_ms() + self.store.lease_ms})

    def working(self, *args, **kwargs):
        self.busy = True

    def answered(self, request=None, **kwargs):
        self.busy = True
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is not None and request is not None:
            inflight.done(request)

    def recover(self) -> int:
        """Re-queue the requests dead workers had in flight (list pages above all)."""
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is None:
            return 0
        recovered = inflight.recover()
        if recovered:
            self.crawler.stats.inc_value("newsbot/cluster/recovered_requests", recovered)
            logger.warning("re-queued %d requests a killed worker had in flight", recovered)
        return recovered

    def spider_idle(self, spider):
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is not None:
            inflight.clear()
        if self.recover():
            raise DontCloseSpider
        self.busy = False
        self.store.db.zrem(self.busy_key, self.store.run_id)
        others = self.store.db.zcount(self.busy_key, self._now_ms(), "+inf")
        held = self.store.claims_elsewhere([site.name for site in getattr(spider, "sites", ())])
        fetching = inflight.elsewhere() if inflight is not None else 0
        if others or held or fetching:
            logger.info("idle, waiting: %d other workers busy, %d due articles claimed and %d requests "
                        "in flight elsewhere", others, held, fetching)
            raise DontCloseSpider

    def spider_closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.store.db.zrem(self.busy_key, self.store.run_id)
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is not None:
            inflight.close()


def merge_feed(output: str | Path, spider: str) -> tuple[Path, int]:
    """Merge the workers' feed shards into ``feeds/{spider}.jsonl``: the lines it lacks are
    appended in shard order, each article once; the result replaces it atomically.
    Returns (path, lines added). Run it any time; a second run adds nothing."""
    import json

    from .formats import write_atomic

    feeds = Path(output) / "feeds"
    merged = feeds / f"{spider}.jsonl"
    lines = merged.read_text(encoding="utf-8").splitlines() if merged.exists() else []
    seen = set()
    for line in lines:
        seen.add(json.loads(line)["urlname"])
    added = 0
    for shard in sorted(feeds.glob(f"{spider}.*.jsonl")):
        data = shard.read_text(encoding="utf-8")
        for line in data[: data.rfind("\n") + 1].splitlines():  # not a torn last line
            try:
                urlname = json.loads(line)["urlname"]
            except (ValueError, KeyError, TypeError):
                logger.warning("%s: ignoring a line that is not a record: %.80r", shard, line)
                continue
            if urlname not in seen:
                seen.add(urlname)
                lines.append(line)
                added += 1
    if added or not merged.exists():
        write_atomic(merged, "".join(line + "\n" for line in lines))
    return merged, added


EXIT_NO_REPORT = 1  # as the crawl's "could not start": no finished run to speak of
EXIT_ALARM = 4


def report_status(output: str | Path, spider: str, worker: str | None = None) -> tuple[int, str]:
    """The exit code and a one-line summary of the spider's last finished run, from
    ``{output}/reports/{spider}-latest.json`` (a cluster worker's: ``{spider}.{worker}-…``):
    what ``scrapy crawl`` would have exited with. scrapyd keeps no exit code, so this is
    how an operator (or a monitor) sees an alarm."""
    import json

    name = f"{spider}.{worker}" if worker else spider
    path = Path(output) / "reports" / f"{name}-latest.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return EXIT_NO_REPORT, f"{name}: no run report at {path} (the job has not finished, or never ran)"
    except (OSError, ValueError) as exc:
        return EXIT_NO_REPORT, f"{name}: unreadable run report {path}: {exc}"
    alarms = report.get("alarms") or []
    code = report.get("exit_code")
    if not isinstance(code, int):
        code = EXIT_ALARM if alarms else 0
    summary = (f"{name}: exit {code} ({report.get('finish_reason')}, {report.get('duration_seconds')}s, "
               f"started {report.get('started')}): {report.get('new', 0)} new, {report.get('errors', 0)} errors")
    return code, "\n".join([summary, *(f"ALARM: {alarm}" for alarm in alarms)])
