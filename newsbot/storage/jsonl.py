"""JSON Lines: one article record per line, as the feeds hold them."""

from __future__ import annotations

import json


def record_json(record) -> str:
    """An article's JSONL record as its line's text. A record already encoded (a str) is
    taken as it is: the write pipeline encodes each record once, for the state and the feed."""
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
