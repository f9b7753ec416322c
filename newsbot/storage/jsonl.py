"""JSON Lines: one article record per line, as the feeds hold them; and the one way to read
them back.

A line ends at ``b"\\n"`` and nowhere else. Records are written with ``ensure_ascii=False``,
so a body may hold U+2028, U+2029 or U+0085 raw (JSON allows them in strings), and
``str.splitlines()`` would cut such a record in two: every reader of a feed (the crawl's
own start-up checks, the Atom/RSS scan, ``rebuild-state``, ``merge-shards``) splits bytes on
``b"\\n"`` with the functions here.

An article's history in a feed (docs/output.md, "The JSONL feed"; docs/crawling.md, "Corrections"; docs/operations.md, "Taking an article down"):

- its first record, when it was written;
- a correction: a later line for the same urlname (its ``updated`` set), when a revisit
  found the site's page changed. The LAST line of an urlname is the article's current record;
- a tombstone: ``{"urlname", "url", "site", "columns", "taken_down": "<ISO 8601, +08:00>",
  "reason"}``, when the operator took it down. A tombstone is the article's end: it is
  published nowhere, and no line after it is taken.

``ArticleLines`` is that rule for the readers that read a feed from its start (the feed's
scrub, ``rebuild-state``, ``merge-shards``); the Atom/RSS scan, which reads from the end,
applies the same rule (``newsbot.publish.feeds.scan_jsonl``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

BLOCK = 1 << 16  # bytes read at a time from a feed's end


def record_json(record) -> str:
    """An article's JSONL record as its line's text. A record already encoded (a str) is
    taken as it is: the write pipeline encodes each record once, for the state and the feed."""
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)


def split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """(the complete lines of ``data``, without their ``b"\\n"``; what follows the last
    ``b"\\n"``: a line still being written, or torn by a crash)."""
    *lines, rest = data.split(b"\n")
    return lines, rest


def read_lines(path: str | os.PathLike):
    """The complete lines of the file at ``path``, in order, without their ``b"\\n"``,
    read as a stream; a last line without its newline (torn, or being appended) is left out."""
    with open(path, "rb") as handle:
        for line in handle:  # a binary file's lines end at b"\n" only
            if line.endswith(b"\n"):
                yield line[:-1]


def lines_from_end(path: str | os.PathLike, block: int = BLOCK):
    """The file's non-empty lines, last first, reading ``block`` bytes at a time."""
    with open(path, "rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        partial = b""  # the start of a line whose beginning lies in an earlier block
        while position > 0:
            step = min(block, position)
            position -= step
            handle.seek(position)
            lines = (handle.read(step) + partial).split(b"\n")
            partial = lines.pop(0)
            for line in reversed(lines):
                if line.strip():
                    yield line
        if partial.strip():
            yield partial


def record_of(line: bytes) -> dict | None:
    """The record a line holds, or None when it is not one (not JSON, not an object, no
    urlname)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    urlname = record.get("urlname")
    return record if isinstance(urlname, str) and urlname else None


def urlname_of(line: bytes) -> str | None:
    """The urlname of a feed line, or None when the line is not a record."""
    record = record_of(line)
    return record["urlname"] if record is not None else None


def write_lines(path: Path, lines) -> None:
    """Replace the file at ``path`` with these lines (bytes, without newlines), atomically."""
    from newsbot.storage.files import write_atomic

    write_atomic(Path(path), b"".join(line + b"\n" for line in lines))


# --- an article's lines: corrections and tombstones -------------------------------------
def tombstone(urlname: str, url: str, site: str, columns, when: str, reason: str | None) -> dict:
    """The line that ends an article's history: it was taken down ``when`` (ISO 8601,
    +08:00). ``site`` and ``columns`` say which Atom/RSS feeds held it (rewritten without it)."""
    return {"urlname": urlname, "url": url, "site": site, "columns": list(columns), "taken_down": when,
            "reason": reason}


def is_tombstone(record: dict) -> bool:
    return bool(record.get("taken_down"))


def line_key(record: dict) -> tuple[str, str]:
    """What tells two lines of one article apart: the urlname and the time of the line (a
    record's ``crawled_at``, a tombstone's ``taken_down``). The same key twice is a repeat."""
    return record["urlname"], str(record.get("taken_down") or record.get("crawled_at") or "")


class ArticleLines:
    """A feed's lines read in order, as every reader from the start reads them: ``take``
    returns a line's record, or None when it is not taken: not a record, a repeat of a
    line taken before, or after its article's tombstone."""

    def __init__(self):
        self.keys: set[tuple[str, str]] = set()
        self.ended: set[str] = set()  # urlnames whose tombstone was taken

    def take(self, line: bytes | str) -> dict | None:
        record = record_of(line)
        if record is None or record["urlname"] in self.ended:
            return None
        key = line_key(record)
        if key in self.keys:
            return None
        self.keys.add(key)
        if is_tombstone(record):
            self.ended.add(record["urlname"])
        return record
