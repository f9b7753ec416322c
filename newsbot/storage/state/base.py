"""The state's protocol: what every backend keeps and answers, with the same methods,
arguments and types (``sqlite.py``, one machine, the default; ``redis.py``, a cluster's
workers). Callers hold a ``StateStore`` and never ask which one it is; the contract tests
(tests/test_state_backends.py) run every method below over both.

Where every article stands:

* **written**: its files (path, size) and whether its JSONL line is in the feed; the
  record is kept only until the line is durable (``unfed`` / ``mark_fed``);
* **pending** (the durable frontier): listed and not yet written, queued by a list page
  or failed and waiting for its next attempt (``RetrySchedule``), or given up;
* **skipped**: fetched once and not wanted, per scope (eastmoney: per outlet);
* **taken down** (``take_down``): removed by the operator, for good: never written,
  queued, restored, adopted or fetched again (``known`` lists it), whatever a list page,
  a backfill, a restore or a re-queue asks;
* **watched** (``watch``): written articles published recently, fetched again now and then
  to catch corrections (``revisits_due``), with the validators (``ETag``,
  ``Last-Modified``) and the digest of their record (``newsbot.items.record_digest``).

Method names are stable: other code (the crawl, the cluster, the CLI, the status page)
and later work (takedowns, revisits) build on them. Add a method here first, then to
both backends, then to the contract tests.

Errors: every method raises ``newsbot.errors.OutputError`` when the state cannot be read
or written (a Redis server gone or refusing; SQLite's own errors are as sqlite3 raises
them), ``StateLocked`` and ``StateCorrupt`` when it is opened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date

# Hours before the 1st, 2nd, ... retry of a failed article; the last repeats.
DEFAULT_BACKOFF_HOURS = (1, 4, 24, 72)
DEFAULT_GIVE_UP_AFTER = 6  # attempts

# (urlname, canonical url, fetch url, site, column or None): an article a list page lists.
QueueEntry = tuple[str, str, str, str, "str | None"]
# (urlname, url, site, written_at (ISO 8601, Shanghai), record (dict or its JSON), columns,
#  files [(path relative to the output, size), ...]): an article whose files are written.
WrittenArticle = tuple[str, str, str, str, "dict | str", list, list]
# (url, fetch url, site, columns): what ``fail`` needs to queue an article not yet pending.
FailEntry = tuple[str, str, str, list]
# (urlname, url, site, published (Unix seconds), digest of its record, ETag or None,
#  Last-Modified or None): a written article to revisit for corrections.
WatchEntry = tuple[str, str, str, float, str, "str | None", "str | None"]


@dataclass(frozen=True)
class RetrySchedule:
    """When a failed article is tried again, and when it is given up on
    (``NEWSBOT_RETRY_BACKOFF_HOURS``, ``NEWSBOT_GIVE_UP_AFTER``)."""

    backoff_hours: tuple[float, ...] = DEFAULT_BACKOFF_HOURS
    give_up_after: int = DEFAULT_GIVE_UP_AFTER

    @classmethod
    def from_settings(cls, settings) -> RetrySchedule:
        hours = tuple(float(h) for h in settings.getlist("NEWSBOT_RETRY_BACKOFF_HOURS")) or DEFAULT_BACKOFF_HOURS
        return cls(hours, settings.getint("NEWSBOT_GIVE_UP_AFTER", DEFAULT_GIVE_UP_AFTER))

    def seconds(self, attempts: int) -> float:
        """The wait before the next attempt of an article that failed ``attempts`` times."""
        if not attempts:
            return 0.0
        return self.backoff_hours[min(attempts, len(self.backoff_hours)) - 1] * 3600.0

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.give_up_after


@dataclass
class PendingArticle:
    """An article claimed from the frontier, to be fetched."""

    urlname: str
    url: str  # canonical
    fetch_url: str  # as the list gave it
    site: str
    columns: list[str]
    attempts: int  # failed attempts so far
    reason: str  # "queued", or why it failed last


@dataclass(frozen=True)
class FailedAttempt:
    """What ``fail`` recorded: the attempts so far, whether the article is given up on,
    and whether this was its first failure (``attempts`` 0: nothing was recorded, the
    article was neither pending nor given an entry)."""

    attempts: int
    given_up: bool
    first: bool


@dataclass
class FailedArticle:
    """An article that failed at least once: waiting for its next attempt, or given up."""

    url: str
    site: str
    reason: str
    attempts: int
    last_failed: float | None  # Unix seconds
    next_attempt: float  # Unix seconds
    given_up: bool
    columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The article as JSON wants it (the run report, ``newsbot failed --json``)."""
        return asdict(self)


@dataclass(frozen=True)
class TakenDown:
    """An article the operator took down (``newsbot takedown``)."""

    urlname: str
    url: str
    site: str
    when: str  # ISO 8601, +08:00
    reason: str | None
    files: list  # [[path relative to the output, size], ...]: what it had when taken down
    columns: list[str]
    tombstoned: bool  # its tombstone line is in the JSONL feed (``mark_tombstoned``)


@dataclass(frozen=True)
class Revisit:
    """A watched article due for a revisit: fetched again, conditionally where its
    validators allow, and rewritten only when its record changed (``digest``)."""

    urlname: str
    url: str
    site: str
    published: float  # Unix seconds
    digest: str
    etag: str | None
    last_modified: str | None
    columns: list[str]


class StateStore(ABC):
    """The state's protocol (see the module's docstring). ``retry``: the retry schedule."""

    retry: RetrySchedule

    # --- what is known ----------------------------------------------------------------
    @abstractmethod
    def written(self, urls: Iterable[str]) -> set[str]:
        """The canonical URLs among ``urls`` whose articles are written."""

    @abstractmethod
    def known(self, urls: Iterable[str], scope: str = "", now: float | None = None,
              written: set[str] | None = None) -> set[str]:
        """The canonical URLs among ``urls`` a list page need not queue: written, skipped
        in ``scope``, taken down, or pending but not due (waiting for a retry, or given up).
        ``written``: ``self.written(urls)``, when the caller has it already."""

    @abstractmethod
    def urlname_for(self, url: str) -> str | None:
        """The urlname an article was written under (adopted posts keep their own)."""

    @abstractmethod
    def is_pending(self, url: str) -> bool:
        """Is the article with this canonical URL in the frontier?"""

    @abstractmethod
    def __contains__(self, urlname: str) -> bool:
        """Is an article written under this urlname?"""

    # --- the frontier -------------------------------------------------------------------
    @abstractmethod
    def queue(self, entries: Iterable[QueueEntry], now: float | None = None) -> int:
        """Queue listed articles; one already pending gains the column. Returns how many
        were new."""

    @abstractmethod
    def claim_due(self, sites: Iterable[str], claimer: str, limit: int = 500,
                  now: float | None = None) -> list[PendingArticle]:
        """Up to ``limit`` due articles of these sites, oldest first, that ``claimer`` (a
        run) has not claimed or tried: each is handed to one claimer (on Redis, with a
        lease its worker renews)."""

    @abstractmethod
    def unqueue(self, url: str) -> None:
        """Forget a queued article this run does not want (older than ``since``); one
        that failed before stays."""

    @abstractmethod
    def release(self, urlname: str) -> None:
        """Unclaim an article this run will not fetch after all (a graceful stop)."""

    def backoff_seconds(self, attempts: int) -> float:
        """The wait before the next attempt of an article that failed ``attempts`` times."""
        return self.retry.seconds(attempts)

    @abstractmethod
    def fail(self, urlname: str, reason: str, now: float | None = None, entry: FailEntry | None = None,
             claimer: str | None = None) -> FailedAttempt:
        """Count a failed attempt: schedule the next one with backoff, or give up.
        ``entry`` queues an article not yet pending (with 0 attempts, then this one).
        ``claimer`` (this run) does not claim it again, whatever its backoff."""

    @abstractmethod
    def requeue(self, urls: Iterable[str] | None = None, now: float | None = None) -> int:
        """Make these failed or given-up articles (by canonical or fetch URL) due now with
        a fresh count; every failed one when ``urls`` is None. Returns how many."""

    @abstractmethod
    def failures(self, sites: Iterable[str] | None = None, given_up_only: bool = False,
                 limit: int | None = None) -> list[FailedArticle]:
        """Articles that failed (attempts > 0), the latest failure first."""

    @abstractmethod
    def pending_count(self, sites: Iterable[str] | None = None) -> int:
        """Articles in the frontier not given up on."""

    # --- written articles ---------------------------------------------------------------
    @abstractmethod
    def mark_written(self, articles: Iterable[WrittenArticle]) -> None:
        """Record articles written, at once; they leave the frontier. A new one's record is
        kept until ``mark_fed``; one written before (a restore) keeps its fed mark and gets
        its new file list."""

    @abstractmethod
    def unfed(self, sites: Iterable[str]) -> list[tuple[str, dict]]:
        """(urlname, record) of written articles whose feed line may be missing, oldest
        first (on Redis: this worker's, for its feed shard)."""

    @abstractmethod
    def unfed_among(self, urlnames: Iterable[str]) -> set[str]:
        """The urlnames among these whose feed line is owed."""

    @abstractmethod
    def mark_unfed(self, urlnames: Iterable[str]) -> None:
        """Their feed lines were lost (the feed edited by hand): they get one again."""

    @abstractmethod
    def mark_fed(self, urlnames: Iterable[str], meta: dict[str, str] | None = None) -> None:
        """Their feed lines are durable: their records are dropped. ``meta`` is set with it."""

    @abstractmethod
    def fed_urlnames(self, sites: Iterable[str]) -> Iterator[str]:
        """The urlnames whose lines newsbot put in the feed (not adopted posts)."""

    @abstractmethod
    def written_files(self, sites: Iterable[str]) -> Iterator[tuple[str, str, str, list]]:
        """(urlname, url, site, [[relative path, size], ...]) of every written article of
        these sites (on Redis: this worker's), as an iterator."""

    @abstractmethod
    def add_columns(self, url: str, columns: Iterable[str]) -> None:
        """An article listed again under more columns after it was written."""

    @abstractmethod
    def columns(self, urlname: str) -> list[str]:
        """The columns an article was listed in, in the order first seen."""

    @abstractmethod
    def mark_skipped(self, urlname: str, url: str, reason: str, scope: str = "") -> None:
        """An article this crawl does not want: known in ``scope`` only; it leaves the frontier."""

    @abstractmethod
    def adopt(self, urlname: str, url: str, site: str, written_at: str, files=()) -> bool:
        """Register an article written by something else (an existing blog) under its own
        urlname; False when its URL is known. ``files`` (a state rebuilt from newsbot's own
        output): it is in the feed, and its files are checked like newsbot's."""

    @abstractmethod
    def count(self, site: str | None = None) -> int:
        """Written articles (adopted ones too), of one site or all."""

    @abstractmethod
    def articles_per_day(self, today: date, days: int) -> dict[str, dict[str, int]]:
        """{site: {"YYYY-MM-DD": articles newsbot wrote that day, Shanghai time}} for the
        ``days`` days up to ``today`` (the status page's chart); adopted posts not counted."""

    @abstractmethod
    def mark_corrected(self, articles: Iterable[WrittenArticle]) -> None:
        """Record written articles rewritten with a corrected record (a revisit found the
        site's page changed): their new files and columns, and the new record, which owes
        the feed a line (``unfed``) whatever its first line's fed mark. An article not
        written (taken down meanwhile) is left alone."""

    # --- takedowns ----------------------------------------------------------------------
    @abstractmethod
    def take_down(self, urlname: str, url: str, site: str, when: str, reason: str | None = None) -> TakenDown | None:
        """Take an article down for good, written or not: it leaves the written articles
        (the entry returned keeps its files and columns, for the caller to remove and to
        tombstone), the frontier and the watched articles; from then on ``known`` and
        ``taken_down`` list its URL, and ``queue``, ``fail``, ``adopt``, ``mark_written``,
        ``mark_corrected`` and ``watch`` leave it alone. One taken down before: its entry,
        unchanged. None when a worker is writing it right now (Redis): try again."""

    @abstractmethod
    def taken_down(self, urls: Iterable[str]) -> set[str]:
        """The canonical URLs among ``urls`` of articles taken down."""

    @abstractmethod
    def takedowns(self, sites: Iterable[str] | None = None) -> list[TakenDown]:
        """The articles taken down (of these sites), oldest first."""

    @abstractmethod
    def mark_tombstoned(self, urlnames: Iterable[str]) -> None:
        """Their tombstone lines are durable in the JSONL feed."""

    # --- revisits (corrections) ---------------------------------------------------------
    @abstractmethod
    def watch(self, entries: Iterable[WatchEntry], now: float | None = None) -> None:
        """Watch written articles for corrections; an entry replaces the article's, and
        counts as checked ``now``. Articles taken down are not watched."""

    @abstractmethod
    def revisits_due(self, sites: Iterable[str], limit: int, since: float, checked_before: float,
                     now: float | None = None) -> list[Revisit]:
        """Up to ``limit`` watched articles of these sites published at or after ``since``
        and last checked at or before ``checked_before``, the longest unchecked first; each
        is marked checked ``now`` (another worker, or the next run, takes others). Watched
        articles published before ``since`` are forgotten."""

    @abstractmethod
    def revisited(self, urlname: str, digest: str, etag: str | None, last_modified: str | None) -> None:
        """A revisit's answer: the article's record digest and validators now (an
        article no longer watched is left alone)."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    # --- lifetime -------------------------------------------------------------------------
    @abstractmethod
    def for_writer(self) -> StateStore:
        """The store the write pipeline's thread uses (a second SQLite connection; on
        Redis the same store)."""

    @abstractmethod
    def close(self) -> None:
        """Release the run locks and the connection; a second call does nothing."""


class SharedStateStore(StateStore):
    """A state several workers share (Redis): what the cluster (``newsbot.cluster``) adds to
    the protocol. ``worker``: this worker's name; ``run_id``: this process's run;
    ``lease_ms``: how long a claim, a write claim or the worker lock outlives its last
    renewal."""

    worker: str
    run_id: str
    lease_ms: int

    @abstractmethod
    def renew(self) -> None:
        """Extend this run's leases (claims, write claims, tried articles, worker lock)."""

    @abstractmethod
    def claim_write(self, urlname: str, rewrite: bool = False) -> bool:
        """The exactly-once write claim: True for the one worker that may write it now
        (``rewrite``: a correction of a written article; never one taken down)."""

    @abstractmethod
    def claims_elsewhere(self, sites: Iterable[str], now: float | None = None) -> int:
        """Due articles of these sites held by another claimer's live lease."""

    @abstractmethod
    def worker_key(self, worker: str) -> str:
        """The key of a worker's run lock (its value: the run holding it)."""

    @abstractmethod
    def owed_feed_lines(self) -> dict[str, int]:
        """{worker: feed lines it owes its shard} for the workers not running now."""
