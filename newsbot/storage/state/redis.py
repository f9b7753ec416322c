"""The state on Redis (``NEWSBOT_STATE=redis://host:6379/0``): what ``newsbot.storage.state.sqlite`` keeps
in SQLite, shared by every worker of a cluster (README, "Running on several machines").

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
  line may be missing from its own feed shard.

Every multi-key change is one Lua script, so it is atomic against the other workers.
"""

from __future__ import annotations

import json
import socket
import time
import uuid

from newsbot.errors import StateLocked
from newsbot.storage.jsonl import record_json
from newsbot.storage.names import worker_name
from newsbot.storage.state.base import DEFAULT_BACKOFF_HOURS, DEFAULT_GIVE_UP_AFTER, PendingArticle
from newsbot.storage.state.connection import check, connect, describe, failure, password_file_of

DEFAULT_LEASE = 60.0  # seconds a claim outlives its worker's last renewal
PREFIX = "newsbot:"

# KEYS: none (the prefix is ARGV[1]). A due article is in due:{site} (score: next attempt)
# and has no live claim; it is claimed with a lease and remembered in claims:{claimer}.
CLAIM_DUE = """
local p, claimer, now, limit, lease = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local out = {}
for i = 6, #ARGV do
  local due = redis.call('ZRANGEBYSCORE', p .. 'due:' .. ARGV[i], '-inf', now)
  for _, urlname in ipairs(due) do
    if #out >= 2 * limit then return out end
    if redis.call('SET', p .. 'claim:' .. urlname, claimer, 'NX', 'PX', lease) then
      redis.call('SADD', p .. 'claims:' .. claimer, urlname)
      redis.call('PEXPIRE', p .. 'claims:' .. claimer, lease)  -- a dead claimer's list goes too
      table.insert(out, urlname)
      table.insert(out, redis.call('HGET', p .. 'pending', urlname))
    end
  end
end
return out
"""

# Keep this claimer's leases alive (kind: 'claim' or 'writing'); forget the ones it no longer holds.
RENEW = """
local p, claimer, lease, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. kind .. 's:' .. claimer
for _, urlname in ipairs(redis.call('SMEMBERS', key)) do
  if redis.call('GET', p .. kind .. ':' .. urlname) == claimer then
    redis.call('PEXPIRE', p .. kind .. ':' .. urlname, lease)
  else
    redis.call('SREM', key, urlname)
  end
end
redis.call('PEXPIRE', key, lease)
return 1
"""

QUEUE = """
local p, now, added = ARGV[1], tonumber(ARGV[2]), 0
for i = 3, #ARGV, 5 do
  local urlname, url, fetch_url, site, column = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4]
  local raw = redis.call('HGET', p .. 'pending', urlname)
  if not raw then
    local columns = {}
    if column ~= '' then columns = {column} end
    local entry = {url=url, fetch_url=fetch_url, site=site, columns=columns, reason='queued',
                   attempts=0, first_seen=now, next_attempt=now, given_up=false}
    redis.call('HSET', p .. 'pending', urlname, cjson.encode(entry))
    redis.call('HSET', p .. 'pending_url', url, urlname)
    redis.call('HSET', p .. 'pending_url', fetch_url, urlname)
    redis.call('ZADD', p .. 'due:' .. site, now, urlname)
    redis.call('SADD', p .. 'sites', site)
    added = added + 1
  elseif column ~= '' then
    local entry = cjson.decode(raw)
    local found = false
    for _, c in ipairs(entry.columns) do if c == column then found = true end end
    if not found then
      table.insert(entry.columns, column)
      redis.call('HSET', p .. 'pending', urlname, cjson.encode(entry))
    end
  end
end
return added
"""

# Remove an article from the frontier (by urlname, and by canonical URL if given).
UNPEND = """
local function unpend(p, urlname)
  local raw = redis.call('HGET', p .. 'pending', urlname)
  if raw then
    local entry = cjson.decode(raw)
    redis.call('HDEL', p .. 'pending', urlname)
    redis.call('HDEL', p .. 'pending_url', entry.url, entry.fetch_url)
    redis.call('ZREM', p .. 'due:' .. entry.site, urlname)
  end
  redis.call('DEL', p .. 'claim:' .. urlname)
end
local function unpend_url(p, url)
  local urlname = redis.call('HGET', p .. 'pending_url', url)
  if urlname then unpend(p, urlname) end
end
"""

# ARGV: prefix, writer, then 7 per article: urlname, url, site, written_at, record, columns
# (JSON list), files (JSON). A new article gets its record (unfed, for this writer's
# feed); one written before keeps its fed state and only gets its new file list.
MARK_WRITTEN = UNPEND + """
local p, writer = ARGV[1], ARGV[2]
for i = 3, #ARGV, 7 do
  local urlname, url, site, written_at, record, columns, files =
    ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6]
  local raw = redis.call('HGET', p .. 'articles', urlname)
  if raw then  -- a restore: new files; its record only while its feed line is missing
    local entry = cjson.decode(raw)
    entry.files = cjson.decode(files)
    redis.call('HSET', p .. 'articles', urlname, cjson.encode(entry))
    if redis.call('ZSCORE', p .. 'unfed:' .. writer, urlname) then
      redis.call('HSET', p .. 'records', urlname, record)
    end
  else
    redis.call('HSET', p .. 'articles', urlname,
      cjson.encode({url=url, site=site, written_at=written_at, files=cjson.decode(files), writer=writer}))
    redis.call('HSET', p .. 'article_url', url, urlname)
    redis.call('HINCRBY', p .. 'count', site, 1)
    redis.call('HSET', p .. 'records', urlname, record)
    redis.call('ZADD', p .. 'unfed:' .. writer, redis.call('INCR', p .. 'seq'), urlname)
  end
  for _, column in ipairs(cjson.decode(columns)) do
    if redis.call('SADD', p .. 'colset:' .. urlname, column) == 1 then
      redis.call('RPUSH', p .. 'cols:' .. urlname, column)
    end
  end
  unpend(p, urlname)
  unpend_url(p, url)
  redis.call('DEL', p .. 'writing:' .. urlname)
end
return 1
"""

FAIL = UNPEND + """
local p, urlname, reason, now, next_attempt, give_up_after = ARGV[1], ARGV[2], ARGV[3],
  tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local raw = redis.call('HGET', p .. 'pending', urlname)
local entry
if raw then
  entry = cjson.decode(raw)
elseif ARGV[7] then
  entry = cjson.decode(ARGV[7])
  entry.reason, entry.attempts, entry.first_seen, entry.given_up = 'queued', 0, now, false
  redis.call('HSET', p .. 'pending_url', entry.url, urlname)
  redis.call('HSET', p .. 'pending_url', entry.fetch_url, urlname)
  redis.call('SADD', p .. 'sites', entry.site)
else
  return {0, 0}
end
entry.attempts = entry.attempts + 1
entry.reason, entry.last_failed = reason, now
entry.given_up = entry.attempts >= give_up_after
entry.next_attempt = next_attempt
redis.call('HSET', p .. 'pending', urlname, cjson.encode(entry))
if entry.given_up then
  redis.call('ZREM', p .. 'due:' .. entry.site, urlname)
else
  redis.call('ZADD', p .. 'due:' .. entry.site, next_attempt, urlname)
end
redis.call('DEL', p .. 'claim:' .. urlname)
if entry.given_up then return {entry.attempts, 1} end
return {entry.attempts, 0}
"""

REQUEUE = """
local p, now, failed_only, n = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', 0
for i = 4, #ARGV do
  local raw = redis.call('HGET', p .. 'pending', ARGV[i])
  if raw then
    local entry = cjson.decode(raw)
    if entry.attempts > 0 or not failed_only then
      entry.attempts, entry.given_up, entry.next_attempt = 0, false, now
      redis.call('HSET', p .. 'pending', ARGV[i], cjson.encode(entry))
      redis.call('ZADD', p .. 'due:' .. entry.site, now, ARGV[i])
      redis.call('DEL', p .. 'claim:' .. ARGV[i])
      n = n + 1
    end
  end
end
return n
"""

UNQUEUE = UNPEND + """
local p, url = ARGV[1], ARGV[2]
local urlname = redis.call('HGET', p .. 'pending_url', url)
if not urlname then return 0 end
local raw = redis.call('HGET', p .. 'pending', urlname)
if raw and cjson.decode(raw).attempts == 0 then unpend(p, urlname) return 1 end
return 0
"""

SKIP = UNPEND + """
local p, urlname, url, reason, scope = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
redis.call('HSET', p .. 'skipped:' .. scope, url, cjson.encode({urlname=urlname, reason=reason}))
unpend(p, urlname)
return 1
"""

ADOPT = UNPEND + """
local p, urlname, url, site, written_at, files = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('HEXISTS', p .. 'article_url', url) == 1 or redis.call('HEXISTS', p .. 'articles', urlname) == 1 then
  return 0
end
redis.call('HSET', p .. 'articles', urlname,
  cjson.encode({url=url, site=site, written_at=written_at, files=cjson.decode(files), writer=''}))
redis.call('HSET', p .. 'article_url', url, urlname)
redis.call('HINCRBY', p .. 'count', site, 1)
unpend_url(p, url)
return 1
"""

ADD_COLUMNS = """
local p, urlname = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  if redis.call('SADD', p .. 'colset:' .. urlname, ARGV[i]) == 1 then
    redis.call('RPUSH', p .. 'cols:' .. urlname, ARGV[i])
  end
end
return 1
"""

CLAIM_WRITE = """
local p, urlname, holder, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', p .. 'articles', urlname) == 1 and redis.call('HEXISTS', p .. 'pending', urlname) == 0 then
  return 0
end
if not redis.call('SET', p .. 'writing:' .. urlname, holder, 'NX', 'PX', lease) then return 0 end
redis.call('SADD', p .. 'writings:' .. holder, urlname)
redis.call('PEXPIRE', p .. 'writings:' .. holder, lease)
return 1
"""

# Take a lease on a key unless someone else holds it; re-taking one's own renews it.
TAKE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

DROP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _json_list(value):
    """cjson encodes an empty Lua table as {}: read it back as a list."""
    return value if isinstance(value, list) else []


class RedisStateStore:
    """``SqliteStateStore`` on Redis, shared by a cluster's workers. ``worker``: this worker's
    stable name (its lock, its feed shard); ``lease``: seconds a claim survives without
    renewal."""

    def __init__(self, url: str, worker: str | None = None, lock: bool = True,
                 backoff_hours=DEFAULT_BACKOFF_HOURS, give_up_after: int = DEFAULT_GIVE_UP_AFTER,
                 lease: float = DEFAULT_LEASE, password_file: str | None = None):
        from redis.exceptions import RedisError

        self.url = url
        self.worker = worker or socket.gethostname()
        self.run_id = f"{self.worker}:{uuid.uuid4().hex[:12]}"  # this process
        self.backoff_hours = tuple(backoff_hours)
        self.give_up_after = give_up_after
        self.lease_ms = int(lease * 1000)
        self.db = connect(url, password_file, decode_responses=True)
        self.p = PREFIX
        self._scripts = {name: self.db.register_script(text) for name, text in (
            ("claim_due", CLAIM_DUE), ("renew", RENEW), ("queue", QUEUE), ("mark_written", MARK_WRITTEN),
            ("fail", FAIL), ("requeue", REQUEUE), ("skip", SKIP), ("unqueue", UNQUEUE), ("adopt", ADOPT),
            ("add_columns", ADD_COLUMNS), ("take", TAKE), ("drop", DROP), ("claim_write", CLAIM_WRITE))}
        self._claimers: set[str] = set()
        self.locked = False
        # A wrong URL, password or ACL fails here, before the crawl starts: one line, exit 6.
        check(self.db, url)
        if lock:
            try:
                taken = self._scripts["take"](keys=[self._worker_key], args=[self.run_id, self.lease_ms])
            except RedisError as exc:
                raise failure(exc, url) from None
            if not taken:
                raise StateLocked(
                    f"another newsbot worker named {self.worker!r} is running on {describe(url)} "
                    f"(NEWSBOT_CLUSTER_WORKER names each worker; a killed one's lock expires in "
                    f"{self.lease_ms / 1000:g}s)")
            self.locked = True

    @property
    def _worker_key(self) -> str:
        return f"{self.p}worker:{self.worker}"

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
        """Extend this process's leases (its claims, its worker lock): called every few
        seconds while the worker lives (``newsbot.cluster.worker.ClusterWorker``)."""
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

    def claim_write(self, urlname: str) -> bool:
        """The exactly-once write claim: True for the one worker that may write this
        article now: it is not written (or is queued again to restore its files), and no
        live worker is writing it. Held (renewed) until ``mark_written`` drops it: a batch
        of written files may wait a while for its commit."""
        return bool(self._run("claim_write", urlname, self.run_id, self.lease_ms))

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

    def backoff_seconds(self, attempts: int) -> float:
        hours = self.backoff_hours[min(attempts, len(self.backoff_hours)) - 1] if attempts else 0
        return hours * 3600.0

    def fail(self, urlname: str, reason: str, now: float | None = None, entry: tuple | None = None) -> dict:
        now = time.time() if now is None else now
        raw = self.db.hget(f"{self.p}pending", urlname)
        attempts = json.loads(raw)["attempts"] + 1 if raw else 1
        extra = []
        if entry is not None:
            url, fetch_url, site, columns = entry
            extra = [json.dumps({"url": url, "fetch_url": fetch_url, "site": site, "columns": list(columns)},
                                ensure_ascii=False)]
        attempts, given_up = self._run("fail", urlname, reason, now, now + self.backoff_seconds(attempts),
                                       self.give_up_after, *extra)
        if attempts == 0:
            return {"attempts": 0, "given_up": False, "first": False}
        return {"attempts": attempts, "given_up": bool(given_up), "first": attempts == 1}

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

    def failures(self, sites=None, given_up_only: bool = False) -> list[dict]:
        out = []
        for _, e in self._pending():
            if e["attempts"] <= 0 or (sites and e["site"] not in sites) or (given_up_only and not e["given_up"]):
                continue
            out.append({"url": e["url"], "site": e["site"], "reason": e["reason"], "attempts": e["attempts"],
                        "last_failed": e.get("last_failed"), "next_attempt": e["next_attempt"],
                        "given_up": bool(e["given_up"]), "columns": _json_list(e["columns"])})
        return sorted(out, key=lambda f: f["last_failed"] or 0, reverse=True)

    def pending_count(self, sites=None) -> int:
        sites = list(sites) if sites else list(self.db.smembers(f"{self.p}sites"))
        return sum(self.db.zcard(f"{self.p}due:{site}") for site in sites)

    # --- written articles ---------------------------------------------------------------
    def mark_written(self, articles) -> None:
        args = []
        for urlname, url, site, written_at, record, columns, files in articles:
            args += [urlname, url, site, written_at, record_json(record),
                     json.dumps(list(columns), ensure_ascii=False),
                     json.dumps([[str(p), s] for p, s in files], ensure_ascii=False)]
        if args:
            self._run("mark_written", self.worker, *args)

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
        with self.db.pipeline() as pipe:  # MULTI/EXEC
            if urlnames:
                pipe.zrem(f"{self.p}unfed:{self.worker}", *urlnames)
                pipe.hdel(f"{self.p}records", *urlnames)
            if meta:
                pipe.hset(f"{self.p}meta", mapping=meta)
            pipe.execute()

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
            self._scripts["drop"](keys=[self._worker_key], args=[self.run_id])
            self.locked = False
        self.db.close()
        self.db = None


def open_state(crawler) -> RedisStateStore:
    """The crawl's store when ``NEWSBOT_STATE`` is a Redis URL (``newsbot.storage.state.state_for_crawler``)."""
    from scrapy import signals

    settings = crawler.settings
    store = RedisStateStore(
        settings["NEWSBOT_STATE"], worker=worker_name(settings),
        backoff_hours=[float(h) for h in settings.getlist("NEWSBOT_RETRY_BACKOFF_HOURS")] or DEFAULT_BACKOFF_HOURS,
        give_up_after=settings.getint("NEWSBOT_GIVE_UP_AFTER", DEFAULT_GIVE_UP_AFTER),
        lease=settings.getfloat("NEWSBOT_CLUSTER_LEASE", DEFAULT_LEASE), password_file=password_file_of(settings),
    )
    crawler.signals.connect(store.close, signal=signals.engine_stopped)
    return store
