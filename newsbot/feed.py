"""The default JSONL feed, ``{output}/feeds/{spider}.jsonl``: one line per article, ever.

Written by the pipeline, not by Scrapy's feed exporter, because the exporter buffers and
writes after the item has left the pipeline: a SIGKILL lost buffered lines, and a kill
between the state's mark and the exporter's write lost the article's line for good.
Here every line is appended unbuffered and fsynced right after the article is marked,
and at start-up the feed is repaired (a torn last line is cut off) and reconciled with
the state: an article the state has but the feed lacks gets its line (the state keeps
each article's record). A line is never written twice for one article.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


class DurableFeed:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.urlnames: set[str] = set()
        self.repaired = self._repair_and_load()
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _repair_and_load(self) -> bool:
        """Cut off a torn last line (a write killed half-way); read what the feed holds."""
        if not self.path.exists():
            return False
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        torn = end < len(data)
        if torn:
            logger.warning("feed %s: removed a torn last line (%d bytes) left by an interrupted run",
                           self.path, len(data) - end)
            with open(self.path, "r+b") as handle:
                handle.truncate(end)
                handle.flush()
                os.fsync(handle.fileno())
        for line in data[:end].splitlines():
            try:
                self.urlnames.add(json.loads(line)["urlname"])
            except (ValueError, KeyError, TypeError):
                logger.warning("feed %s: ignoring a line that is not a record: %.80r", self.path, line)
        return torn

    def __contains__(self, urlname: str) -> bool:
        return urlname in self.urlnames

    def append(self, record: dict) -> bool:
        """Append the record's line durably, unless the feed has this article already."""
        if record["urlname"] in self.urlnames:
            return False
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        while data:  # O_APPEND: each write lands at the end
            written = os.write(self.fd, data)
            data = data[written:]
        os.fsync(self.fd)
        self.urlnames.add(record["urlname"])
        return True

    def reconcile(self, records) -> int:
        """Append the (urlname, record) pairs the feed lacks; return how many."""
        added = 0
        for urlname, record in records:
            if urlname not in self.urlnames:
                added += self.append(record)
        return added

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
