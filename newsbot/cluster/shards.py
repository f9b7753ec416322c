"""``newsbot merge-shards``: the workers' feed shards merged into the one JSONL feed."""

from __future__ import annotations

import logging
from pathlib import Path

from newsbot.storage.jsonl import ArticleLines, read_lines, record_of, write_lines

logger = logging.getLogger(__name__)


def merge_feed(output: str | Path, spider: str) -> tuple[Path, int]:
    """Merge the workers' feed shards into ``feeds/{spider}.jsonl``: the lines it lacks are
    appended in shard order (an article's first record, its corrections: each line once,
    ``newsbot.storage.jsonl.line_key``), none of an article the merged feed has a tombstone
    for (``newsbot takedown`` writes it there); the result replaces it atomically.
    Returns (path, lines added). Run it any time; a second run adds nothing. Lines are
    bytes split on b"\n" (newsbot.storage.jsonl): a record is copied as it was written."""
    feeds = Path(output) / "feeds"
    merged = feeds / f"{spider}.jsonl"
    lines = list(read_lines(merged)) if merged.exists() else []
    taken = ArticleLines()
    for line in lines:
        taken.take(line)
    added = 0
    for shard in sorted(feeds.glob(f"{spider}.*.jsonl")):
        for line in read_lines(shard):  # not a torn last line: a worker may be appending it
            if record_of(line) is None:
                logger.warning("%s: ignoring a line that is not a record: %.80r", shard, line)
            elif taken.take(line) is not None:
                lines.append(line)
                added += 1
    if added or not merged.exists():
        write_lines(merged, lines)
    return merged, added
