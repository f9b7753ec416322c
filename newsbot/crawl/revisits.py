"""Corrections (docs/crawling.md, "Corrections"): a written article published in the last
``NEWSBOT_REVISIT_DAYS`` days is fetched again by later runs, at most
``NEWSBOT_REVISIT_MAX`` per run and each at most every ``NEWSBOT_REVISIT_INTERVAL_HOURS``,
so an idle run's cost stays bounded whatever the site publishes.

- When it is written, an article published within the window is watched in the state
  (``StateStore.watch``) with the digest of its record (``newsbot.items.record_digest``)
  and the page's validators (``ETag``, ``Last-Modified``).
- A revisit asks conditionally (``If-None-Match``, ``If-Modified-Since``): a 304 costs one
  request and writes nothing; so does a page whose extracted record has the same digest
  (the state keeps its validators). A changed record is written again as a correction:
  the same files, replaced atomically, and a new line in the JSONL feed (``updated`` set).
- Taken-down articles are never watched (``StateStore.take_down`` forgets them).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from newsbot.storage.state.base import Revisit, StateStore, WatchEntry

DAY, HOUR = 86400.0, 3600.0
REVISIT_PRIORITY = -1  # after the list pages and the new articles


@dataclass(frozen=True)
class RevisitPolicy:
    days: float = 3.0
    limit: int = 10  # revisits per run
    interval_hours: float = 6.0

    @classmethod
    def from_settings(cls, settings) -> RevisitPolicy:
        return cls(settings.getfloat("NEWSBOT_REVISIT_DAYS", 3.0), settings.getint("NEWSBOT_REVISIT_MAX", 10),
                   settings.getfloat("NEWSBOT_REVISIT_INTERVAL_HOURS", 6.0))

    @property
    def enabled(self) -> bool:
        return self.days > 0 and self.limit > 0

    def watches(self, published: float, now: float | None = None) -> bool:
        """Is an article published at ``published`` (Unix seconds) to be revisited?"""
        now = time.time() if now is None else now
        return self.enabled and published >= now - self.days * DAY

    def due(self, store: StateStore, sites, now: float | None = None) -> list[Revisit]:
        """This run's revisits, claimed in the state (none when turned off)."""
        if not self.enabled:
            return []
        now = time.time() if now is None else now
        return store.revisits_due(sites, self.limit, since=now - self.days * DAY,
                                  checked_before=now - self.interval_hours * HOUR, now=now)


def conditional_headers(revisit: Revisit | dict) -> dict[str, str]:
    """The request headers that let the site answer 304 Not Modified."""
    revisit = asdict(revisit) if isinstance(revisit, Revisit) else revisit
    headers = {}
    if revisit.get("etag"):
        headers["If-None-Match"] = revisit["etag"]
    if revisit.get("last_modified"):
        headers["If-Modified-Since"] = revisit["last_modified"]
    return headers


def validators(headers) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) of a Scrapy response's headers."""
    def value(name):
        raw = headers.get(name)
        return raw.decode("latin-1").strip() or None if raw else None

    return value("ETag"), value("Last-Modified")


def watch_entry(item, digest: str) -> WatchEntry:
    published = item.published or item.crawled_at
    return (item.urlname, item.url, item.site, published.timestamp(), digest, item.etag, item.last_modified)
