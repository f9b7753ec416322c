"""What both state backends share: the frontier's entries, the retry schedule's defaults.

``newsbot.storage.state.sqlite`` (one machine, the default) and
``newsbot.storage.state.redis`` (a cluster's workers) keep the same record with the same
methods: which articles are written (and their files), which are queued, failed or given
up, and which were skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

# Hours before the 1st, 2nd, ... retry of a failed article; the last repeats.
DEFAULT_BACKOFF_HOURS = (1, 4, 24, 72)
DEFAULT_GIVE_UP_AFTER = 6  # attempts


@dataclass
class PendingArticle:
    urlname: str
    url: str  # canonical
    fetch_url: str
    site: str
    columns: list[str]
    attempts: int
    reason: str
