"""The default JSONL feed, ``{output}/feeds/{spider}.jsonl``: one line per article, ever.

Written by the pipeline, not by Scrapy's feed exporter, because the exporter buffers and
writes after the item has left the pipeline: a SIGKILL lost buffered lines. Lines are
appended in batches, each batch fsynced, after its articles are marked written in the
state; the state marks them ``fed`` once their lines are durable. At start-up:

- a torn last line (a write killed half-way) is cut off, reading only the file's end;
- written-but-unfed articles (a kill between the two) get their lines, unless the feed's
  tail already has them: lines of the last batch are the only ones that can be there
  without the state knowing, and they are at the end;
- only when the file changed behind newsbot's back (its size and mtime differ from what
  the last run left) is it read whole: lines that are not records, repeat a line, or follow
  their article's tombstone are moved to ``{feed}.rejected`` (never silently dropped).
  A second line of an urlname is a correction, not a repeat (``newsbot.storage.jsonl``).

So a run's cost does not grow with the feed, and a line is never written twice.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from newsbot.storage.files import write_atomic
from newsbot.storage.jsonl import ArticleLines, line_key, lines_from_end, read_lines, record_json, record_of

logger = logging.getLogger(__name__)

TAIL_BLOCK = 1 << 16


class DurableFeed:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.repaired = self._cut_torn_tail()
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)

    # --- start-up -------------------------------------------------------------------------
    def _cut_torn_tail(self) -> bool:
        """Cut off a last line without its newline, reading only the end of the file."""
        if not self.path.exists():
            return False
        with open(self.path, "r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return False
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return False
            start = size
            while start > 0:  # find the last newline
                block = min(TAIL_BLOCK, start)
                handle.seek(start - block)
                data = handle.read(block)
                cut = data.rfind(b"\n")
                if cut >= 0:
                    start = start - block + cut + 1
                    break
                start -= block
            logger.warning("feed %s: removed a torn last line (%d bytes) left by an interrupted run",
                           self.path, size - start)
            handle.truncate(start)
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def signature(self) -> str:
        """Size and mtime: whether the file changed since newsbot last wrote it."""
        stat = self.path.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"

    def tail_keys(self, lines: int) -> set[tuple[str, str]]:
        """The line keys (``newsbot.storage.jsonl.line_key``: urlname and time) of the
        last ``lines`` lines (read backwards, block by block)."""
        found: set[tuple[str, str]] = set()
        for count, line in enumerate(lines_from_end(self.path)):
            if count >= lines:
                break
            record = record_of(line)
            if record is not None:
                found.add(line_key(record))
        return found

    def scrub(self) -> tuple[int, set[str]]:
        """Read the whole feed once: move lines that are not records, repeat a line or
        follow their article's tombstone to ``{feed}.rejected``. Returns (lines rejected,
        urlnames present: whose current record is not a tombstone)."""
        kept, rejected, seen = [], [], set()
        lines = ArticleLines()
        for line in read_lines(self.path):  # the torn tail is cut already
            record = lines.take(line)
            if record is None:
                rejected.append(line + b"\n")
            else:
                seen.add(record["urlname"])
                kept.append(line + b"\n")
        seen -= lines.ended
        if rejected:
            aside = self.path.with_name(self.path.name + ".rejected")
            with open(aside, "ab") as handle:
                handle.writelines(rejected)
                handle.flush()
                os.fsync(handle.fileno())
            os.close(self.fd)
            write_atomic(self.path, b"".join(kept))
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            logger.warning("feed %s: moved %d lines that are not records, repeat a line or follow a tombstone to %s",
                           self.path, len(rejected), aside)
        return len(rejected), seen

    # --- appending ------------------------------------------------------------------------
    def append(self, records) -> int:
        """Append the records' lines (records, or their encoded text) in one durable write;
        returns how many."""
        data = "".join(record_json(r) + "\n" for r in records).encode("utf-8")
        if not data:
            return 0
        view = memoryview(data)
        while view:  # O_APPEND: each write lands at the end
            written = os.write(self.fd, view)
            view = view[written:]
        os.fsync(self.fd)
        return data.count(b"\n")

    def reconcile(self, unfed) -> list[str]:
        """Give unfed (urlname, record) pairs their lines unless the tail has them (the
        same line: a correction's is another than its article's first); return every
        urlname now in the feed (to be marked fed)."""
        unfed = list(unfed)
        if not unfed:
            return []
        present = self.tail_keys(len(unfed) * 2 + 8)
        missing = [record for urlname, record in unfed if line_key(record) not in present]
        if missing:
            self.append(missing)
            logger.warning("feed %s: added %d records written but missing from it (interrupted run)",
                           self.path, len(missing))
        self.added = len(missing)
        return [urlname for urlname, _ in unfed]

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
