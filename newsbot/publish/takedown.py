"""Taking articles down (``newsbot takedown``; docs/operations.md, "Taking an article down").

An article the owner must remove (a correction request, a copyright complaint) is taken
down in four steps, each one safe to repeat, so a takedown cut short is completed by
running it again:

1. the state (``StateStore.take_down``, one transaction or one Lua script): the article
   leaves the written articles, the frontier and the revisits, and is marked taken down,
   which every later run respects: list pages and backfills do not queue it (``known``),
   the start-up check does not restore its files (it is no longer written), re-queues and
   failures do not bring it back, the pipelines do not write it;
2. its files, every profile's post (wherever the state says they are) and its local
   images and attachments folder, are removed;
3. its JSONL history gets a tombstone line (``newsbot.storage.jsonl.tombstone``) in the
   feed that holds it, so the Atom/RSS feeds and the status page drop it, and a state
   rebuilt from the feed knows it was taken down;
4. the caller rewrites the feeds and the status page (``newsbot.cli.publish.publish``).
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.dates import operator_iso
from newsbot.errors import ConfigError, StateLocked
from newsbot.publish.places import Places
from newsbot.sites import site_for_source
from newsbot.storage.feed import DurableFeed
from newsbot.storage.jsonl import tombstone
from newsbot.storage.state.base import StateStore, TakenDown
from newsbot.urls import canonical_url, url_hash

logger = logging.getLogger(__name__)

BLOCK = 1 << 20  # bytes of a feed read at a time


@dataclass
class Takedown:
    """One URL taken down: what it was before, what was removed, where its tombstone went."""

    asked: str  # the URL as given
    url: str  # canonical
    site: str
    spider: str  # whose feed holds its history
    urlname: str = ""
    was: str = ""  # "written", "pending", "unknown" (never written), "taken down before"
    entry: TakenDown | None = None
    removed: list[Path] = field(default_factory=list)  # files and folders removed, under the output
    tombstone_in: Path | None = None


def resolve(url: str) -> Takedown:
    """The canonical article a URL given by the operator names (the site's own URL, or a
    mirror's); ConfigError when no configured site has it."""
    found = site_for_source(url.strip())
    if found is None:
        raise ConfigError(f"{url}: not an article URL of any configured site (newsbot sites lists them)")
    site, article = found
    return Takedown(url, canonical_url(article, site.scheme), site.name, "campus" if site.campus else site.name)


def take_down(output: Path, store: StateStore, urls, reason: str | None = None, wait: float = 0.0,
              now: float | None = None) -> list[Takedown]:
    """Take these URLs down (see the module's docstring; the feeds are the caller's). Every
    URL is resolved before anything changes. ``wait``: seconds to wait for a cluster worker
    writing one of them (StateLocked after that)."""
    unique: dict[str, Takedown] = {}
    for url in urls:
        takedown = resolve(url)
        unique.setdefault(takedown.url, takedown)
    takedowns = list(unique.values())
    when = operator_iso(time.time() if now is None else now)
    before = {t.url: t for t in store.takedowns()}
    for takedown in takedowns:
        known = before.get(takedown.url)
        takedown.urlname = known.urlname if known else store.urlname_for(takedown.url) or url_hash(takedown.url)
        takedown.was = ("taken down before" if known else "written" if takedown.urlname in store
                        else "pending" if store.is_pending(takedown.url) else "unknown")
        takedown.entry = _take_down_in_state(store, takedown, when, reason, wait)
        takedown.removed = remove_files(output, takedown.entry)
    write_tombstones(output, store, takedowns)
    return takedowns


def _take_down_in_state(store: StateStore, takedown: Takedown, when: str, reason: str | None,
                        wait: float) -> TakenDown:
    deadline = time.monotonic() + wait
    while True:
        entry = store.take_down(takedown.urlname, takedown.url, takedown.site, when, reason)
        if entry is not None:
            return entry
        if time.monotonic() >= deadline:
            raise StateLocked(f"{takedown.url} is being written by a cluster worker right now; nothing was "
                              f"changed for it: run newsbot takedown again (or give --wait SECONDS)")
        time.sleep(0.5)


def remove_files(output: Path, entry: TakenDown) -> list[Path]:
    """Remove the article's files (every profile's post, as the state lists them) and their
    local images folders; return what was there."""
    removed = []
    for relative, _size in entry.files:
        post = Path(relative)
        folder = Places.images_of_post(post, entry.urlname)
        if folder is not None and (output / folder).is_dir() and not (output / folder).is_symlink():
            shutil.rmtree(output / folder)
            removed.append(folder)
        try:
            (output / post).unlink()
            removed.append(post)
        except FileNotFoundError:
            pass
    return removed


def feeds_holding(output: Path, urlnames) -> dict[str, set[str]]:
    """{urlname: the spiders whose JSONL feed (or a cluster worker's shard of it) holds a
    line of it}, each feed read once, a block at a time (a feed grows for years)."""
    wanted = {f'"urlname": "{u}"'.encode(): u for u in urlnames}
    found: dict[str, set[str]] = {u: set() for u in urlnames}
    overlap = max(map(len, wanted), default=1) - 1  # a needle across two blocks
    for path in sorted((output / "feeds").glob("*.jsonl")):
        spider = path.name.split(".")[0]  # {spider}.jsonl, {spider}.{worker}.jsonl
        with open(path, "rb") as handle:
            tail = b""
            while block := handle.read(BLOCK):
                data = tail + block
                for needle, urlname in wanted.items():
                    if needle in data:
                        found[urlname].add(spider)
                tail = data[-overlap:] if overlap else b""
    return found


def write_tombstones(output: Path, store: StateStore, takedowns: list[Takedown]) -> None:
    """Append the tombstone of each article not tombstoned yet to the feed of every spider
    that holds its lines (a cluster's: the merged feed, which merge-shards completes), or
    of its site's spider; one durable append per feed."""
    owed = [t for t in takedowns if not t.entry.tombstoned]
    if not owed:
        return
    holding = feeds_holding(output, [t.urlname for t in owed])
    per_feed: dict[Path, list[Takedown]] = {}
    for takedown in owed:
        for spider in sorted(holding[takedown.urlname] or {takedown.spider}):
            per_feed.setdefault(output / "feeds" / f"{spider}.jsonl", []).append(takedown)
    for path, stones in per_feed.items():
        feed = DurableFeed(path)
        key = f"feed_signature:{path.name}"
        untouched = store.get_meta(key) == feed.signature()  # then the next crawl need not read it whole
        try:
            feed.append(tombstone(t.urlname, t.entry.url, t.entry.site, t.entry.columns, t.entry.when, t.entry.reason)
                        for t in stones)
        finally:
            feed.close()
        store.mark_tombstoned(t.urlname for t in stones)
        if untouched:
            store.set_meta(key, feed.signature())
        for takedown in stones:
            takedown.tombstone_in = path
