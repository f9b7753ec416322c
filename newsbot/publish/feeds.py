"""Atom and RSS 2.0 feeds per site and per column, rewritten after every run (and by
``newsbot feeds``) from the JSONL feeds: ``{output}/feeds/nankai.atom``,
``nankai-ywsd.atom``, and ``.rss`` beside each.

The JSONL feed grows for years, so it is read backwards from its end, block by block,
until every site found, and each of its configured columns, has its newest
``NEWSBOT_FEED_ENTRIES`` records, or after ``SCAN_FACTOR`` times that many records: the cost of a run does not grow with the
history. A column that got fewer than N of the last ``SCAN_FACTOR`` x N articles shows
what those hold.

An article's last line is its current record (a correction replaces the first; the entry's
``updated`` is the correction's time, its ``published`` stays); a tombstone (an article taken
down) removes it from every feed (``newsbot.storage.jsonl``).

Entry ids are ``urn:md5:{urlname}``. The urlname is the article's identity everywhere
else (file name, state, JSONL), it never changes even where the canonical URL rules do
(an adopted blog's urlnames are md5s of http URLs), and it does not depend on where the
feed is served, which a tag: URI (a domain and date the feed's publisher owns) would.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from newsbot.urls import safe_url
from newsbot.dates import SHANGHAI
from newsbot.sites import find_site
from newsbot.storage.files import write_atomic
from newsbot.storage.jsonl import is_tombstone, lines_from_end

logger = logging.getLogger(__name__)

DEFAULT_ENTRIES = 50
SCAN_FACTOR = 20  # read at most this many times NEWSBOT_FEED_ENTRIES records per JSONL
# Characters XML 1.0 forbids (control characters, lone surrogates): a page that carries
# one must not make the whole feed unwritable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    return _NOT_XML.sub("", str(value)) if value is not None else ""


@dataclass
class Scan:
    """What the end of one JSONL feed holds: the newest records of each feed."""

    records: dict[str, list[dict]] = field(default_factory=dict)  # feed name -> records
    sites: dict[str, set[str]] = field(default_factory=dict)  # site -> column codes seen
    read: int = 0  # records read
    bad: int = 0  # lines that are not a record
    seen: set[str] = field(default_factory=set)  # urlnames whose last line was read
    ended: set[str] = field(default_factory=set)  # urlnames taken down (their tombstone read)


# A record's site and column names, found in its line without decoding the rest of it (a
# line is some 30 KB, mostly the body): enough to tell that no feed wants the record.
_SITE = re.compile(rb'"site": "([^"\\]+)"')
_COLUMNS = re.compile(rb'"columns": (\[[^\]\\]*\])')


def _wanted_by_no_feed(line: bytes, scan: Scan, entries: int) -> bool:
    """True when the line's site and columns are seen already and each of their feeds is
    full: decoding the record would change nothing. In doubt (a key not found, an escape in
    it), False: the line is decoded. Such a line is counted as read, not checked as a record."""
    site, columns = _SITE.search(line), _COLUMNS.search(line)
    if site is None or columns is None:
        return False
    site = site.group(1).decode("utf-8", "replace")
    seen = scan.sites.get(site)
    if seen is None or len(scan.records.get(site, ())) < entries:
        return False
    try:
        names = json.loads(columns.group(1))
    except ValueError:
        return False
    codes = column_codes(site, [n for n in names if isinstance(n, str)])
    return all(code in seen and len(scan.records.get(f"{site}-{code}", ())) >= entries for code in codes)


def scan_jsonl(path: Path, entries: int, taken_down=frozenset()) -> Scan:
    """The newest ``entries`` records per site and per column, newest written first: each
    article's last line (a correction's), none of an article taken down (a tombstone read,
    or its urlname in ``taken_down``)."""
    scan = Scan(ended=set(taken_down))
    for line in lines_from_end(path):
        if scan.read >= SCAN_FACTOR * entries:
            break
        scan.read += 1
        if _wanted_by_no_feed(line, scan, entries):
            continue
        try:
            record = json.loads(line)
            site, urlname, url = record["site"], record["urlname"], record["url"]
            if not (isinstance(site, str) and site and urlname and url):
                raise ValueError("no site, urlname or url")
        except (ValueError, KeyError, TypeError):
            scan.bad += 1
            continue
        codes = column_codes(site, record.get("columns") or [])
        scan.sites.setdefault(site, set()).update(codes)  # (a tombstone's too: its feeds lose it)
        if urlname in scan.ended:
            continue
        if is_tombstone(record):  # the article's end; a line after it (a hand edit) is not shown
            scan.ended.add(urlname)
            if urlname in scan.seen:
                for held in scan.records.values():
                    held[:] = [r for r in held if r["urlname"] != urlname]
            continue
        if urlname in scan.seen:  # an older line of an article: its last one is held
            continue
        scan.seen.add(urlname)
        for name in [site] + [f"{site}-{code}" for code in codes]:
            held = scan.records.setdefault(name, [])
            if len(held) < entries:
                held.append(record)
        if all(len(scan.records.get(name, ())) >= entries for name in wanted_feeds(scan.sites)):
            break
    if scan.bad:
        logger.warning("feed %s: skipped %d lines that are not article records", path, scan.bad)
    return scan


def wanted_feeds(sites) -> list[str]:
    """The feeds of these sites: each site's own, and one per configured column (a column
    found in no record read so far wants its entries too, so the scan goes on for it)."""
    names = []
    for site in sites:
        config = find_site(site)
        names += [site] + [f"{site}-{c.code}" for c in (config.columns if config else ())]
    return names


def column_codes(site: str, names: list[str]) -> list[str]:
    """The codes of the configured columns among a record's column names."""
    config = find_site(site)
    by_name = {c.name: c.code for c in config.columns} if config else {}
    return [by_name[name] for name in names if name in by_name]


# --- building one feed ---------------------------------------------------------------
class _Entry(FeedEntry):
    """feedgen 1.0.0 writes an Atom entry's links without rel, type and length (it reads
    them back from the new element instead of from the link's data), which turns
    enclosures into plain links; put them back. RSS 2.0 allows one enclosure per item:
    the article's first image, where feedgen would take the last."""

    def atom_entry(self, extensions=True):
        entry = super().atom_entry(extensions)
        elements = [child for child in entry if str(child.tag).endswith("link")]
        for element, data in zip(elements, self.link() or []):
            for name in ("rel", "type", "length"):
                if data.get(name):
                    element.set(name, str(data[name]))
        return entry

    def rss_entry(self, extensions=True):
        item = super().rss_entry(extensions)
        first = next((link for link in self.link() or [] if link.get("rel") == "enclosure"), None)
        enclosure = item.find("enclosure")
        if first is not None and enclosure is not None:
            enclosure.set("url", first["href"])
            enclosure.set("type", first["type"])
        return item


def when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def entry_time(record: dict) -> datetime | None:
    return when(record.get("published")) or when(record.get("crawled_at"))


def image_type(url: str) -> str:
    guessed = mimetypes.guess_type(url.split("?", 1)[0])[0]
    return guessed if guessed and guessed.startswith("image/") else "application/octet-stream"


def _add_entry(feed: FeedGenerator, record: dict, column_names: dict[str, str]) -> None:
    entry = _Entry()
    entry.id(f"urn:md5:{xml_text(record['urlname'])}")
    entry.guid(f"urn:md5:{xml_text(record['urlname'])}", permalink=False)
    entry.title(xml_text(record.get("title")) or xml_text(record["url"]))
    entry.link(href=safe_url(xml_text(record["url"])) or xml_text(record["url"]), rel="alternate")
    moment = entry_time(record)
    entry.updated(when(record.get("updated")) or moment)  # a correction's time
    if when(record.get("published")):
        entry.published(when(record["published"]))
    names = [xml_text(n) for n in record.get("author") or [] if n] or (
        [xml_text(record["byline"])] if record.get("byline") else [])
    for name in names:
        entry.author(name=name)
    body = record.get("body_html")
    if not body and record.get("body_text"):
        body = "".join(f"<p>{escape(p)}</p>" for p in record["body_text"].splitlines() if p.strip())
    if body:
        entry.content(xml_text(body), type="html")
    if record.get("summary"):
        entry.summary(xml_text(record["summary"]))
    for name in record.get("columns") or []:
        entry.category(term=column_names.get(name, xml_text(name)), label=xml_text(name))
    for image in record.get("images") or []:
        if isinstance(image, str) and image.startswith(("http://", "https://")):
            # (A record from before URLs were written safe, or adopted: made so here too.)
            url = safe_url(xml_text(image))
            if url:
                entry.link(href=url, rel="enclosure", type=image_type(url))
    feed.add_entry(entry, order="append")


def build_feed(site: str, code: str | None, records: list[dict]) -> FeedGenerator:
    """A feed of these records, newest publication first."""
    config = find_site(site)
    records = sorted((r for r in records if entry_time(r)), key=entry_time, reverse=True)
    source = config.display_name if config else next((r["source"] for r in records if r.get("source")), site)
    if config:
        page = f"{config.scheme}://{config.hosts[0]}/"
    else:  # a site this process has no configuration for: its host, from an article URL
        page = "/".join(records[0]["url"].split("/")[:3]) + "/" if records else f"urn:newsbot:{site}"
    title = xml_text(source)
    if code:
        column = config.column(code)
        title, page = f"{title} · {xml_text(column.name)}", column.url
    feed = FeedGenerator()
    feed.id(page)
    feed.title(title)
    feed.link(href=page, rel="alternate")
    feed.description(f"{title}: the newest articles, copied by newsbot")
    feed.author(name=xml_text(source))
    feed.language("zh")
    feed.generator("newsbot")
    newest = entry_time(records[0]) if records else datetime.now(SHANGHAI).replace(microsecond=0)
    feed.updated(newest)
    feed.lastBuildDate(newest)  # feedgen's default is now: the same records give the same bytes
    column_names = {c.name: c.code for c in config.columns} if config else {}
    for record in records:
        _add_entry(feed, record, column_names)
    return feed


# --- writing them all ----------------------------------------------------------------
@dataclass
class Published:
    written: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    scans: dict[str, Scan] = field(default_factory=dict)  # spider name -> its scan


def feed_texts(feed: FeedGenerator, name: str, feeds_url: str | None) -> dict[str, bytes]:
    """The Atom and RSS serialisations, each naming itself (``rel="self"``, RFC 4287 4.2.7.2):
    ``{feeds_url}{name}.atom`` where the feeds are served (NEWSBOT_FEEDS_URL), else the
    file's own name, a reference relative to wherever the feed was fetched from."""
    base = (feeds_url.rstrip("/") + "/") if feeds_url else ""
    alternate = [link for link in feed.link() if link.get("rel") == "alternate"]
    texts = {}
    for suffix, serialise in (("atom", feed.atom_str), ("rss", feed.rss_str)):
        feed.link([*alternate, {"href": f"{base}{name}.{suffix}", "rel": "self"}], replace=True)
        texts[suffix] = serialise(pretty=True)
    return texts


def write_feeds(output: Path, entries: int = DEFAULT_ENTRIES, spiders=None, feeds_url: str | None = None,
                all_or_nothing: bool = False, taken_down=frozenset()) -> Published:
    """Rewrite the Atom and RSS feeds of every JSONL feed in ``{output}/feeds`` (or of
    these spiders'), without the articles ``taken_down`` (urlnames: the state's, so one
    taken down shows nowhere even in a cluster worker's feed shard, which has no tombstone). A feed that cannot be built is logged and listed in ``failures``;
    the others are still written, or, ``all_or_nothing``, none is (``newsbot feeds``: a
    run that fails changes nothing)."""
    folder = Path(output) / "feeds"
    published = Published()
    texts: dict[Path, bytes] = {}
    paths = sorted(folder.glob("*.jsonl")) if spiders is None else [folder / f"{s}.jsonl" for s in spiders]
    for path in paths:
        if not path.exists():
            published.failures.append(f"{path}: no such JSONL feed")
            logger.error("feeds: %s does not exist", path)
            continue
        scan = scan_jsonl(path, entries, taken_down)
        published.scans[path.stem] = scan
        for site, codes in sorted(scan.sites.items()):
            for code in [None, *sorted(codes)]:
                name = f"{site}-{code}" if code else site
                try:
                    feed = build_feed(site, code, scan.records.get(name, []))
                    for suffix, text in feed_texts(feed, name, feeds_url).items():
                        texts[folder / f"{name}.{suffix}"] = text
                except Exception as exc:  # one bad feed must not stop the others
                    logger.exception("feeds: could not write the %s feed", name)
                    published.failures.append(f"{name}: {exc!r}")
    if all_or_nothing and published.failures:
        return published
    for target, text in texts.items():
        try:
            write_atomic(target, text)
            published.written.append(target)
        except OSError as exc:  # one unwritable feed must not stop the others
            logger.exception("feeds: could not write the %s feed", target.stem)
            published.failures.append(f"{target}: {exc!r}")
    return published


def feed_entries(settings) -> int:
    value = settings.getint("NEWSBOT_FEED_ENTRIES", DEFAULT_ENTRIES)
    if value < 1:
        raise ValueError(f"NEWSBOT_FEED_ENTRIES must be at least 1, not {value}")
    return value
