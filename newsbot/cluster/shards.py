"""``newsbot merge-shards``: the workers' feed shards merged into the one JSONL feed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from newsbot.storage.files import write_atomic

logger = logging.getLogger(__name__)


def merge_feed(output: str | Path, spider: str) -> tuple[Path, int]:
    """Merge the workers' feed shards into ``feeds/{spider}.jsonl``: the lines it lacks are
    appended in shard order, each article once; the result replaces it atomically.
    Returns (path, lines added). Run it any time; a second run adds nothing."""
    feeds = Path(output) / "feeds"
    merged = feeds / f"{spider}.jsonl"
    lines = merged.read_text(encoding="utf-8").splitlines() if merged.exists() else []
    seen = set()
    for line in lines:
        seen.add(json.loads(line)["urlname"])
    added = 0
    for shard in sorted(feeds.glob(f"{spider}.*.jsonl")):
        data = shard.read_text(encoding="utf-8")
        for line in data[: data.rfind("\n") + 1].splitlines():  # not a torn last line
            try:
                urlname = json.loads(line)["urlname"]
            except (ValueError, KeyError, TypeError):
                logger.warning("%s: ignoring a line that is not a record: %.80r", shard, line)
                continue
            if urlname not in seen:
                seen.add(urlname)
                lines.append(line)
                added += 1
    if added or not merged.exists():
        write_atomic(merged, "".join(line + "\n" for line in lines))
    return merged, added
