"""At the start of a run: the output, the feed and the state brought back into agreement,
whatever the last run left (a kill, a file deleted or truncated by hand, a feed edited).

- temp files a killed run left are removed (never complete, always safe to delete);
- a feed changed behind newsbot's back (its size and mtime differ from what the last run
  left) is read whole once: lines that are not records, or repeat an article, are moved
  aside, and written articles whose line was removed get one again;
- written-but-unfed articles (a kill between the state's commit and the feed's append) get
  their lines, unless the feed's tail has them already;
- every written article whose file was deleted or truncated, or whose lost line the state
  keeps no record to rewrite from, is queued: the crawl fetches it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from newsbot.storage.feed import DurableFeed
from newsbot.storage.files import remove_stale_temp_files

logger = logging.getLogger(__name__)


@dataclass
class Reconciled:
    rejected_lines: int = 0  # feed lines moved to {feed}.rejected
    lines_added: int = 0  # records written but missing from the feed, appended
    restores_queued: int = 0  # articles queued to be fetched again


def reconcile(output: Path, store, feed: DurableFeed, sites: list[str], folders=()) -> Reconciled:
    """``folders``: the other folders the run writes into (the blog's posts folder)."""
    done = Reconciled()
    removed = sum(remove_stale_temp_files(Path(folder)) for folder in (output, *folders))
    if removed:
        logger.warning("removed %d temp files left by an interrupted run", removed)
    key = f"feed_signature:{feed.path.name}"
    lost: list[str] = []
    if store.get_meta(key) != feed.signature():
        # Changed behind our back (edited, or from an older newsbot): read it once whole.
        done.rejected_lines, present = feed.scrub()
        lost = [u for u in store.fed_urlnames(sites) if u not in present]
        if lost:  # lines removed by hand: the articles get them back (re-fetched if need be)
            logger.warning("feed %s: %d written articles have no line; adding them again", feed.path, len(lost))
            store.mark_unfed(lost)
    unfed = store.unfed(sites)
    lost_lines = set(lost) - {u for u, _ in unfed}  # no record left to rewrite them from
    fed = feed.reconcile(unfed)
    if fed:
        done.lines_added = feed.added
    store.mark_fed(fed, meta={key: feed.signature()})
    done.restores_queued = queue_restores(output, store, sites, lost_lines)
    return done


def queue_restores(output: Path, store, sites: list[str], lost_lines: set[str]) -> int:
    """Queue every written article whose file was deleted or truncated since, or whose
    feed line is lost and whose record the state no longer keeps: the crawl fetches it
    again and rewrites what is missing."""
    entries = []
    for urlname, url, site, files in store.written_files(sites):
        if urlname in lost_lines:
            entries.append((urlname, url, url, site, None))
            continue
        for relative, size in files:
            try:
                intact = (output / relative).stat().st_size == size
            except OSError:
                intact = False
            if not intact:
                logger.warning("%s: file %s is missing or truncated; fetching the article again to restore it",
                               url, relative)
                entries.append((urlname, url, url, site, None))
                break
    return store.queue(entries) if entries else 0
