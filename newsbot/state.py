"""The persistent record of written articles (``NEWSBOT_STATE``, an SQLite file).

An article is marked only after its files are durably written, so a crash between the two
leaves an article written but unmarked: the next run writes the same files again (same
names, same bytes) rather than losing it. Every run holds an exclusive lock beside the
database so two runs never share one state.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    urlname    TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    site       TEXT NOT NULL,
    written_at TEXT NOT NULL,
    record     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS skipped (
    urlname TEXT PRIMARY KEY,
    url     TEXT NOT NULL,
    reason  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS article_columns (
    urlname TEXT NOT NULL,
    column_name TEXT NOT NULL,
    PRIMARY KEY (urlname, column_name)
);
"""


class StateLocked(RuntimeError):
    """Another run holds this state."""


class SeenStore:
    def __init__(self, path: str | os.PathLike, lock: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = None
        if lock:
            self._lock_file = open(f"{self.path}.lock", "a+")
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock_file.close()
                self._lock_file = None
                raise StateLocked(f"another newsbot run holds {self.path} (lock {self.path}.lock)")
            self._lock_file.seek(0)
            self._lock_file.truncate()
            self._lock_file.write(f"{os.getpid()}\n")
            self._lock_file.flush()
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # WAL + synchronous=FULL: a committed mark survives power loss and SIGKILL.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def __contains__(self, urlname: str) -> bool:
        row = self.db.execute("SELECT 1 FROM articles WHERE urlname = ?", (urlname,)).fetchone()
        return row is not None

    def known(self, urlnames) -> set[str]:
        urlnames = list(urlnames)
        found: set[str] = set()
        for start in range(0, len(urlnames), 500):
            chunk = urlnames[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT urlname FROM articles WHERE urlname IN ({marks}) "
                f"UNION SELECT urlname FROM skipped WHERE urlname IN ({marks})", chunk + chunk
            )
            found.update(row[0] for row in rows)
        return found

    def mark(self, urlname: str, url: str, site: str, written_at: str, record: dict, columns=()) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)",
                (urlname, url, site, written_at, json.dumps(record, ensure_ascii=False)),
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO article_columns VALUES (?, ?)",
                [(urlname, column) for column in columns],
            )

    def mark_skipped(self, urlname: str, url: str, reason: str) -> None:
        """An article the crawl does not want (another outlet): known, never written."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)", (urlname, url, reason))

    def columns(self, urlname: str) -> list[str]:
        rows = self.db.execute(
            "SELECT column_name FROM article_columns WHERE urlname = ? ORDER BY rowid", (urlname,)
        )
        return [row[0] for row in rows]

    def records(self, sites) -> list[tuple[str, dict]]:
        """(urlname, JSONL record) of every article written for these sites, oldest first."""
        sites = list(sites)
        marks = ",".join("?" * len(sites))
        rows = self.db.execute(
            f"SELECT urlname, record FROM articles WHERE site IN ({marks}) ORDER BY written_at, rowid", sites
        )
        return [(urlname, json.loads(record)) for urlname, record in rows]

    def count(self, site: str | None = None) -> int:
        if site:
            return self.db.execute("SELECT COUNT(*) FROM articles WHERE site = ?", (site,)).fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def close(self) -> None:
        self.db.close()
        if self._lock_file:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    @classmethod
    def for_crawler(cls, crawler) -> "SeenStore":
        """One store per crawl, shared by the spider (incremental paging) and the pipelines."""
        store = getattr(crawler, "_newsbot_store", None)
        if store is None:
            store = cls(state_path(crawler.settings))
            crawler._newsbot_store = store
            from scrapy import signals

            crawler.signals.connect(store.close, signal=signals.engine_stopped)
        return store


def state_path(settings) -> Path:
    explicit = settings.get("NEWSBOT_STATE")
    if explicit:
        return Path(explicit)
    return Path(settings.get("NEWSBOT_OUTPUT_DIR", "output")) / ".newsbot" / "state.sqlite"
