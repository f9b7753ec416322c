"""The state on Redis (``NEWSBOT_STATE=redis://host:6379/0``): what ``newsbot.storage.state.sqlite`` keeps
in SQLite, shared by every worker of a cluster (docs/cluster.md, "Running on several machines").

Same methods, same meaning as ``SqliteStateStore``; what differs is what sharing needs:

* **Claims are leases.** ``claim_due`` hands an article to one claimer by ``SET NX`` of
  ``claim:{urlname}`` with a time to live (``NEWSBOT_CLUSTER_LEASE`` seconds); a live worker
  renews its leases (``renew``), a killed one stops renewing, so its articles become
  claimable again by the others or by a restart: nothing is stranded.
* **The write claim.** ``claim_write`` (``SET NX`` of ``writing:{urlname}``, also a lease)
  is taken just before an article's files are written: two workers that fetched the same
  article never both write it. ``mark_written`` drops the claim in the same script that
  records the article, so it is either being written by one live worker, or written.
* **The run lock is per worker**, not per state (all workers share the state): a key
  ``worker:{id}`` held with a lease, so one worker id (its feed shard) is never run twice at
  once, on any machine. ``NEWSBOT_CLUSTER_WORKER`` names the worker (default: the host name).
* **Feed records are per writer**: ``unfed`` returns the articles this worker wrote whose
  line may be missing from its own feed shard; ``owed_feed_lines`` says which workers not
  running owe lines (the cluster raises an alarm for them).
* **What a run tried**: ``fail(..., claimer=run)`` remembers the article in
  ``tried:{run}`` (a lease renewed with its claims), so that run does not claim it again
  whatever its backoff, as SQLite's ``claimed_by`` does.
* **Takedowns wait for the write claim**: ``take_down`` is refused (None) while a live
  worker holds the article's write claim, and every script that would record, queue or
  claim an article leaves one taken down alone.
* **Articles per day** (the status page's chart) are counted as they are written
  (``per_day:{site}``); a state from before counts its articles once (``count_days.lua``).

Every change is one Lua script (``lua/*.lua``, package data), atomic against the other
workers.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import date, timedelta

from newsbot.errors import OutputError, StateLocked
from newsbot.storage.jsonl import record_json
from newsbot.storage.lua import lua_script
from newsbot.storage.state.base import (
    FailedArticle, FailedAttempt, PendingArticle, RetrySchedule, Revisit, SharedStateStore, TakenDown,
)
from newsbot.storage.state.connection import connect, describe, failure

DEFAULT_LEASE = 60.0  # seconds a claim outlives its worker's last renewal
PREFIX = "newsbot:"
SCRIPTS = ("claim_due", "renew", "queue", "mark_written", "mark_fed", "fail", "requeue", "skip", "unqueue",
           "adopt", "add_columns", "claim_write", "take", "drop", "count_days", "mark_corrected", "take_down",
           "watch", "revisits_due", "revisited", "tombstoned")


def redis_client(url: str, password_file: str | None = None):
    """redis-py's client for ``url`` (opened by ``connection.connect``: the password file,
    TLS), raising newsbot's ``OutputError`` (exit 6, one line naming the server, password
    masked: ``connection.failure``) when the server refuses a command or is gone: every
    caller of the state handles a Redis failure as it handles a full disk."""
    import redis
    from redis.exceptions import NoScriptError, RedisError

    class Client(redis.Redis):
        def execute_command(self, *args, **options):
            try:
                return super().execute_command(*args, **options)
            except NoScriptError:  # redis-py loads the script and runs it again
                raise
            except RedisError as exc:
                raise failure(exc, url) from exc

    return connect(url, password_file, client_class=Client, decode_responses=True)


def _json_list(value):
    """cjson encodes an empty Lua table as {}: read it back as a list."""
    return value if isinstance(value, list) else []


class RedisStateStore(SharedStateStore):
    """The state on Redis, shared by a cluster's workers (``newsbot.storage.state.base``
    says what each method does). ``worker``: this worker's stable name (its lock, its feed
    shard); ``lease``: seconds a claim survives without renewal. Every change is one Lua
    script (``lua/``), atomic against the other workers."""

    def __init__(self, url: str, worker: str | None = None, lock: bool = True,
                 retry: RetrySchedule = RetrySchedule(), lease: float = DEFAULT_LEASE,
                 password_file: str | None = None):
        self.url = url
        self.worker = worker or socket.gethostname()
        self.run_id = f"{self.worker}:{uuid.uuid4().hex[:12]}"  # this process
        self.retry = retry
        self.lease_ms = int(lease * 1000)
        self.db = redis_client(url, password_file)
        self.p = PREFIX
        self._scripts = {name: self.db.register_script(lua_script(__package__, name)) for name in SCRIPTS}
        self._claimers: set[str] = set()
        self.locked = False
        # A wrong URL, password or ACL, an unreachable or untrusted server fails here, before
        # the crawl starts: one line naming the server (password masked), exit 6.
        self.db.ping()
        self._run("count_days")  # once in a state's life (a no-op since)
        if lock:
            if not self._scripts["take"](keys=[self._worker_key], args=[self.run_id, self.lease_ms]):
                raise StateLocked(
                    f"another newsbot worker named {self.worker!r} is running on {describe(url)} "
                    f"(NEWSBOT_CLUSTER_WORKER names each worker; a killed one's lock expires in "
                    f"{self.lease_ms / 1000:g}s)")
            self.locked = True

    @property
    def _worker_key(self) -> str:
        return self.worker_key(self.worker)

    def worker_key(self, worker: str) -> str:
        """The key of a worker's run lock (its value: the run holding it)."""
        return f"{self.p}worker:{worker}"

    def _run(self, name: str, *args):
        return self._scripts[name](args=[self.p, *args])

    # --- what is known ----------------------------------------------------------------
    def written(self, urls) -> set[str]:
        urls = list(urls)
        if not urls:
            return set()
        return {u for u, name in zip(urls, self.db.hmget(f"{self.p}article_url", urls)) if name}

    def known(self, urls, scope: str = "", now: float | None = None, written: set | None = None) -> set[str]:
        urls = list(urls)
        if not urls:
            return set()
        now = time.time() if now is None else now
        found = set(self.written(urls) if written is None else written)
        found |= {u for u, hit in zip(urls, self.db.hmget(f"{self.p}skipped:{scope}", urls)) if hit}
        found |= self.taken_down(urls)
        names = self.db.hmget(f"{self.p}pending_url", urls)
        waiting = [(u, n) for u, n in zip(urls, names) if n]
        if waiting:
            for (url, _), raw in zip(waiting, self.db.hmget(f"{self.p}pending", [n for _, n in waiting])):
                entry = json.loads(raw) if raw else None
                if entry and entry["url"] == url and (entry["given_up"] or entry["next_attempt"] > now):
                    found.add(url)
        return found

    def urlname_for(self, url: str) -> str | None:
        return self.db.hget(f"{self.p}article_url", url)

    def is_pending(self, url: str) -> bool:
        urlname = self.db.hget(f"{self.p}pending_url", url)
        raw = self.db.hget(f"{self.p}pending", urlname) if urlname else None
        return bool(raw) and json.loads(raw)["url"] == url

    def __contains__(self, urlname: str) -> bool:
        return bool(self.db.hexists(f"{self.p}articles", urlname))

    # --- the frontier -------------------------------------------------------------------
    def queue(self, entries, now: float | None = None) -> int:
        now = time.time() if now is None else now
        args = []
        for urlname, url, fetch_url, site, column in entries:
            args += [urlname, url, fetch_url, site, column or ""]
        return int(self._run("queue", now, *args)) if args else 0

    def claim_due(self, sites, claimer: str, limit: int = 500, now: float | None = None) -> list[PendingArticle]:
        """Up to ``limit`` due articles that no live worker holds; each is leased to
        ``claimer`` (renewed by ``renew`` while this process lives)."""
        now = time.time() if now is None else now
        self._claimers.add(claimer)
        flat = self._run("claim_due", claimer, now, limit, self.lease_ms, *sites)
        out = []
        for urlname, raw in zip(flat[::2], flat[1::2]):
            e = json.loads(raw)
            out.append(PendingArticle(urlname, e["url"], e["fetch_url"], e["site"], _json_list(e["columns"]),
                                      e["attempts"], e["reason"]))
        return out

    def renew(self) -> None:
        """Extend this process's leases (its claims and what it tried, its write claims,
        its worker lock): called every few seconds while the worker lives
        (``newsbot.cluster.worker.ClusterWorker``)."""
        for claimer in self._claimers:
            self._run("renew", claimer, self.lease_ms, "claim")
        self._run("renew", self.run_id, self.lease_ms, "writing")
        if self.locked:
            self._scripts["take"](keys=[self._worker_key], args=[self.run_id, self.lease_ms])

    def unqueue(self, url: str) -> None:
        """Forget a queued article this run does not want (older than ``since``)."""
        self._run("unqueue", url)

    def release(self, urlname: str) -> None:
        self.db.delete(f"{self.p}claim:{urlname}")

    def claim_write(self, urlname: str, rewrite: bool = False) -> bool:
        """The exactly-once write claim: True for the one worker that may write this
        article now: it is not written (or is queued again to restore its files), and no
        live worker is writing it. Held (renewed) until ``mark_written`` drops it: a batch
        of written files may wait a while for its commit."""
        return bool(self._run("claim_write", urlname, self.run_id, self.lease_ms, "1" if rewrite else "0"))

    def claims_elsewhere(self, sites, now: float | None = None) -> int:
        """Due articles of these sites held by another claimer's live lease: another worker
        is on them (or it died and its lease has not run out yet)."""
        now = time.time() if now is None else now
        held = 0
        for site in sites:
            names = self.db.zrangebyscore(f"{self.p}due:{site}", "-inf", now)
            if names:
                holders = self.db.mget([f"{self.p}claim:{n}" for n in names])
                held += sum(1 for h in holders if h is not None and h not in self._claimers)
        return held

    def fail(self, urlname: str, reason: str, now: float | None = None, entry: tuple | None = None,
             claimer: str | None = None) -> FailedAttempt:
        now = time.time() if now is None else now
        raw = self.db.hget(f"{self.p}pending", urlname)
        attempts = json.loads(raw)["attempts"] + 1 if raw else 1
        extra = []
        if claimer:
            self._claimers.add(claimer)  # its tried:{claimer} lease is renewed with its claims
        if entry is not None:
            url, fetch_url, site, columns = entry
            extra = [json.dumps({"url": url, "fetch_url": fetch_url, "site": site, "columns": list(columns)},
                                ensure_ascii=False)]
        attempts, given_up = self._run("fail", urlname, reason, now, now + self.backoff_seconds(attempts),
                                       self.retry.give_up_after, claimer or "", self.lease_ms, *extra)
        if attempts == 0:
            return FailedAttempt(0, False, False)
        return FailedAttempt(attempts, bool(given_up), attempts == 1)

    def requeue(self, urls=None, now: float | None = None) -> int:
        now = time.time() if now is None else now
        if urls is None:
            names = list(self.db.hkeys(f"{self.p}pending"))
        else:
            names = [n for n in self.db.hmget(f"{self.p}pending_url", list(urls)) if n] if urls else []
        failed_only = "1" if urls is None else "0"
        return int(self._run("requeue", now, failed_only, *dict.fromkeys(names))) if names else 0

    def _pending(self):
        for urlname, raw in self.db.hscan_iter(f"{self.p}pending"):
            yield urlname, json.loads(raw)

    def failures(self, sites=None, given_up_only: bool = False, limit: int | None = None) -> list[FailedArticle]:
        sites = set(sites) if sites else None
        out = []
        for _, e in self._pending():
            if e["attempts"] <= 0 or (sites and e["site"] not in sites) or (given_up_only and not e["given_up"]):
                continue
            out.append(FailedArticle(e["url"], e["site"], e["reason"], e["attempts"], e.get("last_failed"),
                                     e["next_attempt"], bool(e["given_up"]), _json_list(e["columns"])))
        out.sort(key=lambda f: f.last_failed or 0, reverse=True)
        return out if limit is None else out[:limit]

    def pending_count(self, sites=None) -> int:
        sites = list(sites) if sites else list(self.db.smembers(f"{self.p}sites"))
        return sum(self.db.zcard(f"{self.p}due:{site}") for site in sites)

    # --- written articles ---------------------------------------------------------------
    def mark_written(self, articles) -> None:
        self._record_written("mark_written", articles)

    def mark_corrected(self, articles) -> None:
        self._record_written("mark_corrected", articles)

    def _record_written(self, script: str, articles) -> None:
        args = []
        for urlname, url, site, written_at, record, columns, files in articles:
            args += [urlname, url, site, written_at, record_json(record),
                     json.dumps(list(columns), ensure_ascii=False),
                     json.dumps([[str(p), s] for p, s in files], ensure_ascii=False)]
        if args:
            self._run(script, self.worker, *args)

    def unfed(self, sites) -> list[tuple[str, dict]]:
        """Articles this worker wrote whose line may be missing from its feed shard."""
        sites = set(sites)
        names = self.db.zrange(f"{self.p}unfed:{self.worker}", 0, -1)
        if not names:
            return []
        out = []
        for urlname, raw in zip(names, self.db.hmget(f"{self.p}records", names)):
            record = json.loads(raw) if raw else None
            if record and record.get("site") in sites:
                out.append((urlname, record))
        return out

    def unfed_among(self, urlnames) -> set[str]:
        urlnames = list(urlnames)
        if not urlnames:
            return set()
        scores = self.db.zmscore(f"{self.p}unfed:{self.worker}", urlnames)
        return {u for u, score in zip(urlnames, scores) if score is not None}

    def mark_unfed(self, urlnames) -> None:
        """Articles whose line this worker's feed shard lost (edited by hand): they get one again."""
        urlnames = list(urlnames)
        if urlnames:
            seq = self.db.incr(f"{self.p}seq")
            self.db.zadd(f"{self.p}unfed:{self.worker}", {u: seq for u in urlnames}, nx=True)

    def mark_fed(self, urlnames, meta: dict | None = None) -> None:
        urlnames = list(urlnames)
        pairs = [value for item in (meta or {}).items() for value in item]
        if urlnames or pairs:
            self._run("mark_fed", self.worker, len(urlnames), *urlnames, *pairs)

    def owed_feed_lines(self) -> dict[str, int]:
        """{worker: lines it owes its feed shard} for the workers not running now: what
        only a restart of that worker (its name, its shard) writes."""
        owed = {}
        for worker in self.db.smembers(f"{self.p}writers"):
            count = self.db.zcard(f"{self.p}unfed:{worker}")
            if count and self.db.get(self.worker_key(worker)) is None:
                owed[worker] = count
        return owed

    def fed_urlnames(self, sites):
        """The urlnames whose lines this worker put in its feed shard (not adopted posts,
        not another worker's): written by it and owed no line."""
        owed = set(self.db.zrange(f"{self.p}unfed:{self.worker}", 0, -1))
        for urlname, *_ in self.written_files(sites):
            if urlname not in owed:
                yield urlname

    def written_files(self, sites, writer: str | None = ""):
        """Like ``SqliteStateStore.written_files``, for the articles this worker wrote (``writer``:
        another worker's, or None for all): each worker's feed shard holds its own
        articles' lines, and each worker checks (and restores) the files it wrote."""
        sites = set(sites)
        writer = self.worker if writer == "" else writer
        for urlname, raw in self.db.hscan_iter(f"{self.p}articles"):
            e = json.loads(raw)
            if e["site"] in sites and (writer is None or e.get("writer") == writer):
                yield urlname, e["url"], e["site"], _json_list(e["files"])

    def add_columns(self, url: str, columns) -> None:
        urlname = self.urlname_for(url)
        columns = list(columns)
        if urlname and columns:
            self._run("add_columns", urlname, *columns)

    def columns(self, urlname: str) -> list[str]:
        return self.db.lrange(f"{self.p}cols:{urlname}", 0, -1)

    def mark_skipped(self, urlname: str, url: str, reason: str, scope: str = "") -> None:
        self._run("skip", urlname, url, reason, scope)

    def adopt(self, urlname: str, url: str, site: str, written_at: str, files=()) -> bool:
        files_json = json.dumps([[str(p), s] for p, s in files])
        return bool(self._run("adopt", urlname, url, site, written_at, files_json))

    def count(self, site: str | None = None) -> int:
        if site:
            return int(self.db.hget(f"{self.p}count", site) or 0)
        return int(self.db.hlen(f"{self.p}articles"))

    def articles_per_day(self, today: date, days: int) -> dict[str, dict[str, int]]:
        # Counted per day as articles are written (mark_written.lua, count_days.lua).
        wanted = [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
        counts: dict[str, dict[str, int]] = {}
        for site in sorted(self.db.smembers(f"{self.p}per_day_sites")):
            found = {day: int(n) for day, n in zip(wanted, self.db.hmget(f"{self.p}per_day:{site}", wanted))
                     if n and int(n) > 0}  # (0: what was written that day was taken down)
            if found:
                counts[site] = found
        return counts

    # --- takedowns ----------------------------------------------------------------------
    def take_down(self, urlname: str, url: str, site: str, when: str, reason: str | None = None) -> TakenDown | None:
        raw = self._run("take_down", urlname, url, site, when, reason or "")
        return self._taken_down(urlname, raw) if raw else None

    @staticmethod
    def _taken_down(urlname: str, raw: str) -> TakenDown:
        e = json.loads(raw)
        return TakenDown(urlname, e["url"], e["site"], e["at"], e.get("reason"), _json_list(e["files"]),
                         _json_list(e["columns"]), bool(e.get("tombstoned")))

    def taken_down(self, urls) -> set[str]:
        urls = list(urls)
        if not urls:
            return set()
        return {u for u, name in zip(urls, self.db.hmget(f"{self.p}taken_down_url", urls)) if name}

    def takedowns(self, sites=None) -> list[TakenDown]:
        sites = set(sites) if sites is not None else None
        names = self.db.lrange(f"{self.p}taken_down_order", 0, -1)
        out = []
        for urlname, raw in zip(names, self.db.hmget(f"{self.p}taken_down", names) if names else ()):
            if raw:
                entry = self._taken_down(urlname, raw)
                if sites is None or entry.site in sites:
                    out.append(entry)
        return out

    def mark_tombstoned(self, urlnames) -> None:
        urlnames = list(urlnames)
        if urlnames:
            self._run("tombstoned", *urlnames)

    # --- revisits -------------------------------------------------------------------------
    def watch(self, entries, now: float | None = None) -> None:
        now = time.time() if now is None else now
        args = []
        for urlname, url, site, published, digest, etag, last_modified in entries:
            args += [urlname, url, site, repr(float(published)), digest, etag or "", last_modified or ""]
        if args:
            self._run("watch", now, *args)

    def revisits_due(self, sites, limit: int, since: float, checked_before: float,
                     now: float | None = None) -> list[Revisit]:
        now = time.time() if now is None else now
        flat = self._run("revisits_due", now, since, checked_before, limit, *sites)
        out = []
        for urlname, raw, columns in zip(flat[::3], flat[1::3], flat[2::3]):
            e = json.loads(raw)
            out.append(Revisit(urlname, e["url"], e["site"], e["published"], e["digest"], e["etag"] or None,
                               e["last_modified"] or None, _json_list(json.loads(columns))))
        return out

    def revisited(self, urlname: str, digest: str, etag: str | None, last_modified: str | None) -> None:
        self._run("revisited", urlname, digest, etag or "", last_modified or "")

    def get_meta(self, key: str) -> str | None:
        return self.db.hget(f"{self.p}meta", key)

    def set_meta(self, key: str, value: str) -> None:
        self.db.hset(f"{self.p}meta", key, value)

    # --- lifetime -------------------------------------------------------------------------
    def for_writer(self) -> "RedisStateStore":
        """The pipeline's writer thread shares this store: redis-py's pool is thread-safe."""
        return self

    def close(self) -> None:
        if getattr(self, "db", None) is None:
            return
        if self.locked:
            self.locked = False
            try:
                self._scripts["drop"](keys=[self._worker_key], args=[self.run_id])
            except OutputError:  # the server is gone (the run said so): the lock runs out with its lease
                pass
        self.db.close()
        self.db = None
