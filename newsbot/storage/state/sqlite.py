"""The persistent record of a site's articles (``NEWSBOT_STATE``, an SQLite file).

Three tables say where every article stands:

``articles``  written: its files (with their sizes, so a deleted or truncated file is
              noticed and restored) and whether its JSONL line is in the feed (``fed``).
              The record itself is kept only until it is in the feed, so the state stays
              small however long a site is crawled.
``pending``   listed but not yet written: queued by a list page, or failed and waiting for
              its next attempt (``attempts``, ``reason``, ``next_attempt``), or given up.
              It is the durable frontier: an article enters it before it is fetched and
              leaves it only when its files are written, so a run killed at any moment,
              or an article failing on any list page, loses nothing.
``skipped``   fetched once and not wanted (another outlet), per scope.
``taken_down`` removed by the operator (``newsbot takedown``): never fetched or written again.
``revisits``  written articles published recently, fetched again for corrections: the
              digest of their record, their validators, when each was last checked.

Every lookup is by primary key or index: a run's cost does not grow with the history.
An article is marked written only after its files are durably on disk, so a crash between
the two writes the same files again next run rather than losing them. Every run holds an
exclusive lock beside the database and one in the output directory.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

from newsbot.errors import OutputError, StateCorrupt, StateLocked
from newsbot.storage.jsonl import record_json
from newsbot.storage.locks import lock_file, release, run_lock_paths
from newsbot.storage.state.base import (
    FailedArticle, FailedAttempt, PendingArticle, RetrySchedule, Revisit, StateStore, TakenDown,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    urlname    TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    site       TEXT NOT NULL,
    written_at TEXT NOT NULL,
    record     TEXT,
    fed        INTEGER NOT NULL DEFAULT 1,
    files      TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS skipped (
    urlname TEXT NOT NULL,
    url     TEXT NOT NULL,
    reason  TEXT NOT NULL,
    scope   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (urlname, scope)
);
CREATE TABLE IF NOT EXISTS article_columns (
    urlname TEXT NOT NULL,
    column_name TEXT NOT NULL,
    PRIMARY KEY (urlname, column_name)
);
CREATE TABLE IF NOT EXISTS pending (
    urlname      TEXT PRIMARY KEY,
    url          TEXT NOT NULL,      -- canonical
    fetch_url    TEXT NOT NULL,      -- as the list gave it
    site         TEXT NOT NULL,
    columns      TEXT NOT NULL DEFAULT '[]',
    reason       TEXT NOT NULL DEFAULT 'queued',
    attempts     INTEGER NOT NULL DEFAULT 0,
    first_seen   REAL NOT NULL,
    last_failed  REAL,
    next_attempt REAL NOT NULL,
    given_up     INTEGER NOT NULL DEFAULT 0,
    claimed_by   TEXT
);
CREATE TABLE IF NOT EXISTS taken_down (
    urlname    TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    site       TEXT NOT NULL,
    at         TEXT NOT NULL,      -- ISO 8601, +08:00
    reason     TEXT,
    files      TEXT NOT NULL DEFAULT '[]',
    columns    TEXT NOT NULL DEFAULT '[]',
    tombstoned INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS revisits (
    urlname       TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    site          TEXT NOT NULL,
    published     REAL NOT NULL,
    digest        TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    last_checked  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS failed AS
    SELECT url, site, reason, attempts, last_failed, next_attempt, given_up
    FROM pending WHERE attempts > 0;
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_unfed ON articles(fed) WHERE fed = 0;
CREATE INDEX IF NOT EXISTS articles_site ON articles(site, written_at);
CREATE INDEX IF NOT EXISTS skipped_url ON skipped(url);
CREATE INDEX IF NOT EXISTS pending_url ON pending(url);
CREATE INDEX IF NOT EXISTS pending_due ON pending(site, given_up, next_attempt);
CREATE INDEX IF NOT EXISTS taken_down_url ON taken_down(url);
CREATE INDEX IF NOT EXISTS revisits_due ON revisits(site, last_checked);
"""

# articles.fed: the article's JSONL line is missing / in the feed / never in it (a post
# adopted from an existing blog, which newsbot did not write).
UNFED, FED, NOT_IN_FEED = 0, 1, 2


class SqliteStateStore(StateStore):
    """The SQLite state (``newsbot.storage.state.base`` says what each method does).
    ``lock``: hold the run locks while open (the state's own lock file, and the output
    directory's when ``output`` is given); ``read_only``: read a state another run may hold
    (the status page of ``newsbot feeds``), never create or migrate it."""

    def __init__(self, path: str | os.PathLike, lock: bool = True, output: str | os.PathLike | None = None,
                 retry: RetrySchedule = RetrySchedule(), read_only: bool = False):
        self.path = Path(path)
        self.retry = retry
        self.read_only = read_only
        self._locks = []
        if lock:
            try:
                for lock_path in run_lock_paths(self.path, output):
                    self._locks.append(lock_file(lock_path))
            except StateLocked:
                self._release()
                raise
        try:
            if read_only:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
                self.db.execute("SELECT 1 FROM articles LIMIT 1")  # a newsbot state, or StateCorrupt
                return
            # check_same_thread off: a writer connection (for_writer) is used from whichever
            # thread of the pool the crawl's flush runs in, one flush at a time. timeout:
            # how long one connection waits for the other's commit (an fsync) to finish.
            # Every write transaction begins IMMEDIATE (takes the write lock first): a
            # deferred one that read before the other connection committed could not
            # upgrade, and SQLite fails it at once instead of waiting.
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            # WAL + synchronous=FULL: a committed mark survives power loss and SIGKILL.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._release()
            if isinstance(exc, sqlite3.OperationalError) and "no such table" not in str(exc):
                # Not the file's content but where it lies: a full disk ("disk I/O error"
                # while SQLite sets up its WAL), a read-only file system, no permission.
                raise OutputError(f"the state {self.path} cannot be opened ({exc}): "
                                  f"check the free space and permissions there") from None
            raise StateCorrupt(
                f"state file {self.path} is unreadable ({exc}); move it aside and rebuild it from "
                f"the files and the feed: newsbot rebuild-state --output DIR"
            ) from None

    def _migrate(self) -> None:
        """Create the tables, and bring a state from an older newsbot up to date."""
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}
        if "fed" not in columns:  # older states kept every record and no file list
            self.db.execute("ALTER TABLE articles ADD COLUMN fed INTEGER NOT NULL DEFAULT 1")
            self.db.execute("ALTER TABLE articles ADD COLUMN files TEXT NOT NULL DEFAULT '[]'")
        if "scope" not in {row[1] for row in self.db.execute("PRAGMA table_info(skipped)")}:
            # Skips were global; now per scope (eastmoney: per outlet asked for).
            self.db.execute("ALTER TABLE skipped RENAME TO skipped_old")
            self.db.executescript(SCHEMA)
            self.db.execute("INSERT INTO skipped (urlname, url, reason) SELECT urlname, url, reason FROM skipped_old")
            self.db.execute("DROP TABLE skipped_old")
        self.db.executescript(INDEXES)

    # --- what is known ----------------------------------------------------------------
    def _in(self, sql: str, values: list, extra: tuple = ()) -> set:
        found: set = set()
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self.db.execute(sql.format(marks=marks), (*chunk, *extra)))
        return found

    def written(self, urls) -> set[str]:
        """The canonical URLs among ``urls`` whose articles are written."""
        return self._in("SELECT url FROM articles WHERE url IN ({marks})", list(urls))

    def known(self, urls, scope: str = "", now: float | None = None, written: set | None = None) -> set[str]:
        """The canonical URLs among ``urls`` that a list page need not queue: written,
        skipped in this scope, taken down, or pending but not due (waiting for a retry, or given up).
        ``written``: ``self.written(urls)``, when the caller has it already."""
        urls = list(urls)
        now = time.time() if now is None else now
        return (
            (self.written(urls) if written is None else written)
            | self._in("SELECT url FROM skipped WHERE url IN ({marks}) AND scope = ?", urls, (scope,))
            | self.taken_down(urls)
            | self._in("SELECT url FROM pending WHERE url IN ({marks}) AND (given_up = 1 OR next_attempt > ?)",
                       urls, (now,))
        )

    def urlname_for(self, url: str) -> str | None:
        """The urlname an article was written under (adopted posts keep their own)."""
        row = self.db.execute("SELECT urlname FROM articles WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def is_pending(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM pending WHERE url = ?", (url,)).fetchone() is not None

    def __contains__(self, urlname: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE urlname = ?", (urlname,)).fetchone() is not None

    # --- the frontier -------------------------------------------------------------------
    def queue(self, entries, now: float | None = None) -> int:
        """Queue listed articles: (urlname, canonical url, fetch url, site, column) each.
        An article already pending gains the column; returns how many were new."""
        now = time.time() if now is None else now
        added = 0
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for urlname, url, fetch_url, site, column in entries:
                if self._is_taken_down(urlname):
                    continue
                row = self.db.execute("SELECT columns FROM pending WHERE urlname = ?", (urlname,)).fetchone()
                if row is None:
                    self.db.execute(
                        "INSERT INTO pending (urlname, url, fetch_url, site, columns, first_seen, next_attempt)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (urlname, url, fetch_url, site, json.dumps([column] if column else [], ensure_ascii=False),
                         now, now),
                    )
                    added += 1
                elif column:
                    columns = json.loads(row[0])
                    if column not in columns:
                        columns.append(column)
                        self.db.execute("UPDATE pending SET columns = ? WHERE urlname = ?",
                                        (json.dumps(columns, ensure_ascii=False), urlname))
        return added

    def claim_due(self, sites, claimer: str, limit: int = 500, now: float | None = None) -> list[PendingArticle]:
        """Up to ``limit`` due articles of these sites not yet claimed by ``claimer`` (this
        run), oldest first; they are marked claimed so one run fetches each once."""
        now = time.time() if now is None else now
        sites = list(sites)
        marks = ",".join("?" * len(sites))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            rows = self.db.execute(
                f"SELECT urlname, url, fetch_url, site, columns, attempts, reason FROM pending "
                f"WHERE site IN ({marks}) AND given_up = 0 AND next_attempt <= ? "
                f"AND (claimed_by IS NULL OR claimed_by != ?) ORDER BY first_seen, rowid LIMIT ?",
                (*sites, now, claimer, limit),
            ).fetchall()
            self.db.executemany("UPDATE pending SET claimed_by = ? WHERE urlname = ?",
                                [(claimer, row[0]) for row in rows])
        return [PendingArticle(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]

    def unqueue(self, url: str) -> None:
        """Forget a queued article this run does not want (older than ``since``)."""
        with self.db:
            self.db.execute("DELETE FROM pending WHERE url = ? AND attempts = 0", (url,))

    def release(self, urlname: str) -> None:
        """Unclaim an article this run will not fetch after all (a graceful stop)."""
        with self.db:
            self.db.execute("UPDATE pending SET claimed_by = NULL WHERE urlname = ?", (urlname,))

    def fail(self, urlname: str, reason: str, now: float | None = None, entry: tuple | None = None,
             claimer: str | None = None) -> FailedAttempt:
        now = time.time() if now is None else now
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute("SELECT attempts FROM pending WHERE urlname = ?", (urlname,)).fetchone()
            if row is None:
                if entry is None or self._is_taken_down(urlname):
                    return FailedAttempt(0, False, False)
                url, fetch_url, site, columns = entry
                self.db.execute(
                    "INSERT INTO pending (urlname, url, fetch_url, site, columns, first_seen, next_attempt)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (urlname, url, fetch_url, site, json.dumps(list(columns), ensure_ascii=False), now, now),
                )
                row = (0,)
            attempts = row[0] + 1
            given_up = self.retry.gives_up(attempts)
            self.db.execute(
                "UPDATE pending SET attempts = ?, reason = ?, last_failed = ?, next_attempt = ?, "
                "given_up = ?, claimed_by = coalesce(?, claimed_by) WHERE urlname = ?",
                (attempts, reason, now, now + self.backoff_seconds(attempts), int(given_up), claimer, urlname),
            )
        return FailedAttempt(attempts, given_up, attempts == 1)

    def requeue(self, urls=None, now: float | None = None) -> int:
        """Make failed or given-up articles due now with a fresh count (all when ``urls``
        is None); returns how many."""
        now = time.time() if now is None else now
        with self.db:
            if urls is None:
                cursor = self.db.execute(
                    "UPDATE pending SET attempts = 0, given_up = 0, next_attempt = ?, claimed_by = NULL "
                    "WHERE attempts > 0", (now,))
                return cursor.rowcount
            count = 0
            for url in urls:
                count += self.db.execute(
                    "UPDATE pending SET attempts = 0, given_up = 0, next_attempt = ?, claimed_by = NULL "
                    "WHERE url = ? OR fetch_url = ?", (now, url, url)).rowcount
            return count

    def failures(self, sites=None, given_up_only: bool = False, limit: int | None = None) -> list[FailedArticle]:
        sql = "SELECT url, site, reason, attempts, last_failed, next_attempt, given_up, columns FROM pending WHERE attempts > 0"
        args: list = []
        if sites:
            sites = list(sites)
            sql += f" AND site IN ({','.join('?' * len(sites))})"
            args += sites
        if given_up_only:
            sql += " AND given_up = 1"
        sql += " ORDER BY last_failed DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [FailedArticle(url, site, reason, attempts, last_failed, next_attempt, bool(given_up), json.loads(columns))
                for url, site, reason, attempts, last_failed, next_attempt, given_up, columns
                in self.db.execute(sql, args)]

    def pending_count(self, sites=None) -> int:
        if sites:
            sites = list(sites)
            return self.db.execute(f"SELECT COUNT(*) FROM pending WHERE given_up = 0 AND site IN "
                                   f"({','.join('?' * len(sites))})", sites).fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM pending WHERE given_up = 0").fetchone()[0]

    # --- written articles ---------------------------------------------------------------
    def mark_written(self, articles) -> None:
        """Mark written, in one transaction: (urlname, url, site, written_at, record,
        columns, files) each, files as [(path relative to the output, size), ...]. The
        record is kept until ``mark_fed``; an article written before (a restore) keeps its
        ``fed`` mark, and its record only while its feed line is missing."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for urlname, url, site, written_at, record, columns, files in articles:
                if self._is_taken_down(urlname):
                    continue
                files_json = json.dumps([[str(p), s] for p, s in files], ensure_ascii=False)
                cursor = self.db.execute(
                    "UPDATE articles SET files = ?, record = CASE WHEN fed = 0 THEN ? ELSE NULL END WHERE urlname = ?",
                    (files_json, record_json(record), urlname))
                if cursor.rowcount == 0:
                    self.db.execute(
                        "INSERT INTO articles (urlname, url, site, written_at, record, fed, files) "
                        "VALUES (?, ?, ?, ?, ?, 0, ?)",
                        (urlname, url, site, written_at, record_json(record), files_json),
                    )
                self.db.executemany("INSERT OR IGNORE INTO article_columns VALUES (?, ?)",
                                    [(urlname, column) for column in columns])
                self.db.execute("DELETE FROM pending WHERE urlname = ? OR url = ?", (urlname, url))

    def unfed(self, sites) -> list[tuple[str, dict]]:
        """(urlname, record) of written articles whose feed line may be missing, oldest first."""
        sites = list(sites)
        marks = ",".join("?" * len(sites))
        rows = self.db.execute(
            f"SELECT urlname, record FROM articles WHERE fed = 0 AND site IN ({marks}) ORDER BY written_at, rowid",
            sites,
        )
        return [(urlname, json.loads(record)) for urlname, record in rows if record]

    def unfed_among(self, urlnames) -> set[str]:
        return self._in("SELECT urlname FROM articles WHERE fed = 0 AND urlname IN ({marks})", list(urlnames))

    def mark_unfed(self, urlnames) -> None:
        """Articles whose feed line was lost (the feed edited by hand): they get one again."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")  # one commit, not one per row
            self.db.executemany("UPDATE articles SET fed = 0 WHERE urlname = ?", [(u,) for u in urlnames])

    def mark_fed(self, urlnames, meta: dict | None = None) -> None:
        """Their feed lines are durable: drop their records. ``meta`` (the feed's new
        signature) is set in the same transaction."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")  # one commit (one WAL fsync), not one per row
            self.db.executemany("UPDATE articles SET fed = 1, record = NULL WHERE urlname = ?",
                                [(u,) for u in urlnames])
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", (meta or {}).items())

    def fed_urlnames(self, sites):
        """The urlnames whose lines newsbot put in the feed (not adopted posts)."""
        sites = list(sites)
        marks = ",".join("?" * len(sites))
        for (urlname,) in self.db.execute(f"SELECT urlname FROM articles WHERE fed = {FED} AND site IN ({marks})", sites):
            yield urlname

    def written_files(self, sites):
        """(urlname, url, site, [(relative path, size), ...]) of every written article of
        these sites, as an iterator (the start-up check of files deleted or truncated)."""
        sites = list(sites)
        marks = ",".join("?" * len(sites))
        for urlname, url, site, files in self.db.execute(
            f"SELECT urlname, url, site, files FROM articles WHERE site IN ({marks})", sites
        ):
            yield urlname, url, site, json.loads(files)

    def add_columns(self, url: str, columns) -> None:
        """An article listed again under another column after it was written."""
        urlname = self.urlname_for(url)
        if urlname:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR IGNORE INTO article_columns VALUES (?, ?)",
                                    [(urlname, c) for c in columns])

    def columns(self, urlname: str) -> list[str]:
        rows = self.db.execute("SELECT column_name FROM article_columns WHERE urlname = ? ORDER BY rowid", (urlname,))
        return [row[0] for row in rows]

    def mark_skipped(self, urlname: str, url: str, reason: str, scope: str = "") -> None:
        """An article this crawl does not want (another outlet): known in ``scope`` only."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO skipped (urlname, url, reason, scope) VALUES (?, ?, ?, ?)",
                            (urlname, url, reason, scope))
            self.db.execute("DELETE FROM pending WHERE urlname = ?", (urlname,))

    def adopt(self, urlname: str, url: str, site: str, written_at: str, files=()) -> bool:
        """Register an article written by something else (an existing blog), under its own
        urlname; returns False when the URL is already known (or taken down). ``files`` (rebuilding a state
        from newsbot's own output) marks it as in the feed, and its files as to be kept."""
        if self.urlname_for(url) or urlname in self or self.taken_down([url]) or self._is_taken_down(urlname):
            return False
        with self.db:
            self.db.execute(
                "INSERT INTO articles (urlname, url, site, written_at, record, fed, files) VALUES (?, ?, ?, ?, NULL, ?, ?)",
                (urlname, url, site, written_at, FED if files else NOT_IN_FEED,
                 json.dumps([[str(p), s] for p, s in files])),
            )
            self.db.execute("DELETE FROM pending WHERE url = ?", (url,))
        return True

    def count(self, site: str | None = None) -> int:
        if site:
            return self.db.execute("SELECT COUNT(*) FROM articles WHERE site = ?", (site,)).fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def articles_per_day(self, today: date, days: int) -> dict[str, dict[str, int]]:
        # written_at is ISO 8601 in Shanghai time: a plain range on it selects the days.
        first = (today - timedelta(days=days - 1)).isoformat()
        last = (today + timedelta(days=1)).isoformat()
        counts: dict[str, dict[str, int]] = {}
        for site, day, count in self.db.execute(
            "SELECT site, substr(written_at, 1, 10) AS day, COUNT(*) FROM articles "
            # Adopted posts have no write time of newsbot's ("adopted"): not counted.
            "WHERE written_at >= ? AND written_at < ? AND written_at GLOB '[0-9][0-9][0-9][0-9]-*' "
            "GROUP BY site, day", (first, last)):
            counts.setdefault(site, {})[day] = count
        return counts

    def mark_corrected(self, articles) -> None:
        """Corrected articles rewritten: new files, and the new record owed to the feed."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for urlname, url, site, written_at, record, columns, files in articles:
                files_json = json.dumps([[str(p), s] for p, s in files], ensure_ascii=False)
                cursor = self.db.execute("UPDATE articles SET files = ?, record = ?, fed = 0 WHERE urlname = ?",
                                         (files_json, record_json(record), urlname))
                if cursor.rowcount:
                    self.db.executemany("INSERT OR IGNORE INTO article_columns VALUES (?, ?)",
                                        [(urlname, column) for column in columns])

    # --- takedowns ----------------------------------------------------------------------
    def _is_taken_down(self, urlname: str) -> bool:
        return self.db.execute("SELECT 1 FROM taken_down WHERE urlname = ?", (urlname,)).fetchone() is not None

    def take_down(self, urlname: str, url: str, site: str, when: str, reason: str | None = None) -> TakenDown:
        """Take an article down for good (one transaction): see ``StateStore.take_down``."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if not self._is_taken_down(urlname):
                row = self.db.execute("SELECT url, site, files FROM articles WHERE urlname = ?", (urlname,)).fetchone()
                if row is not None:
                    url, site = row[0], row[1]
                columns = self.columns(urlname)
                self.db.execute(
                    "INSERT INTO taken_down (urlname, url, site, at, reason, files, columns) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (urlname, url, site, when, reason, row[2] if row else "[]", json.dumps(columns, ensure_ascii=False)))
                for table in ("articles", "article_columns", "revisits"):
                    self.db.execute(f"DELETE FROM {table} WHERE urlname = ?", (urlname,))
                self.db.execute("DELETE FROM pending WHERE urlname = ? OR url = ? OR fetch_url = ?", (urlname, url, url))
        return self._takedowns("WHERE urlname = ?", (urlname,))[0]

    def taken_down(self, urls) -> set[str]:
        return self._in("SELECT url FROM taken_down WHERE url IN ({marks})", list(urls))

    def takedowns(self, sites=None) -> list[TakenDown]:
        if sites is None:
            return self._takedowns("", ())
        sites = list(sites)
        return self._takedowns(f"WHERE site IN ({','.join('?' * len(sites))})", sites)

    def _takedowns(self, where: str, args) -> list[TakenDown]:
        rows = self.db.execute("SELECT urlname, url, site, at, reason, files, columns, tombstoned FROM taken_down "
                               f"{where} ORDER BY rowid", tuple(args))
        return [TakenDown(u, url, site, at, reason, json.loads(files), json.loads(columns), bool(tombstoned))
                for u, url, site, at, reason, files, columns, tombstoned in rows]

    def mark_tombstoned(self, urlnames) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("UPDATE taken_down SET tombstoned = 1 WHERE urlname = ?", [(u,) for u in urlnames])

    # --- revisits -------------------------------------------------------------------------
    def watch(self, entries, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for urlname, url, site, published, digest, etag, last_modified in entries:
                if not self._is_taken_down(urlname):
                    self.db.execute("INSERT OR REPLACE INTO revisits VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                    (urlname, url, site, published, digest, etag, last_modified, now))

    def revisits_due(self, sites, limit: int, since: float, checked_before: float,
                     now: float | None = None) -> list[Revisit]:
        now = time.time() if now is None else now
        sites = list(sites)
        marks = ",".join("?" * len(sites))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(f"DELETE FROM revisits WHERE site IN ({marks}) AND published < ?", (*sites, since))
            rows = self.db.execute(
                f"SELECT urlname, url, site, published, digest, etag, last_modified FROM revisits "
                f"WHERE site IN ({marks}) AND last_checked <= ? ORDER BY last_checked, rowid LIMIT ?",
                (*sites, checked_before, limit)).fetchall()
            self.db.executemany("UPDATE revisits SET last_checked = ? WHERE urlname = ?", [(now, r[0]) for r in rows])
        return [Revisit(*row, columns=self.columns(row[0])) for row in rows]

    def revisited(self, urlname: str, digest: str, etag: str | None, last_modified: str | None) -> None:
        with self.db:
            self.db.execute("UPDATE revisits SET digest = ?, etag = ?, last_modified = ? WHERE urlname = ?",
                            (digest, etag, last_modified, urlname))

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- lifetime -------------------------------------------------------------------------
    def for_writer(self) -> "SqliteStateStore":
        """A second connection to this state, for the pipeline's writer thread: WAL lets it
        commit batches while the crawl's own connection reads and queues. This store keeps
        the run locks."""
        return SqliteStateStore(self.path, lock=False, retry=self.retry)

    def _release(self) -> None:
        release(self._locks)
        self._locks = []

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.close()
            self.db = None
        self._release()
