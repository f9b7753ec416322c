"""``newsbot merge-shards``: the workers' feed shards merged into the one JSONL feed."""

from __future__ import annotations

import logging
from pathlib import Path

from newsbot.storage.files import write_atomic
from newsbot.storage.jsonl import ArticleLines, record_of

logger = logging.getLogger(__name__)


def merge_feed(output: str | Path, spider: str) -> tuple[Path, int]:
    """Merge the workers' feed shards into ``feeds/{spider}.jsonl``: the lines it lacks are
    appended in shard order (an article's first record, its corrections: each line once,
    ``newsbot.storage.jsonl.line_key``), none of an article the merged feed has a tombstone
    for (``newsbot takedown`` writes it there); the result replaces it atomically.
    Returns (path, lines added). Run it any time; a second run adds nothing."""
    feeds = Path(output) / "feeds"
    merged = feeds / f"{spider}.jsonl"
    lines = [line for line in merged.read_bytes().split(b"\n") if line] if merged.exists() else []
    taken = ArticleLines()
    for line in lines:
        taken.take(line)
    added = 0
    for shard in sorted(feeds.glob(f"{spider}.*.jsonl")):
        data = shard.read_bytes()
        for line in data[: data.rfind(b"\n") + 1].split(b"\n")[:-1]:  # not a torn last line
            if record_of(line) is None:
                logger.warning("%s: ignoring a line that is not a record: %.80r", shard, line)
            elif taken.take(line) is not None:
                lines.append(line)
                added += 1
    if added or not merged.exists():
        write_atomic(merged, b"".join(line + b"\n" for line in lines))
    return merged, added
