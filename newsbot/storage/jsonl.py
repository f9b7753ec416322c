"""JSON Lines: one article record per line, as the feeds hold them; and the one way to read
them back.

A line ends at ``b"\\n"`` and nowhere else. Records are written with ``ensure_ascii=False``,
so a body may hold U+2028, U+2029 or U+0085 raw (JSON allows them in strings), and
``str.splitlines()`` would cut such a record in two: every reader of a feed (the crawl's
own start-up checks, the Atom/RSS scan, ``rebuild-state``, ``merge-shards``) splits bytes on
``b"\\n"`` with the functions here.
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
