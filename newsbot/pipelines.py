"""The steps from a read page to written files: clean and validate (``clean_article``, run
where the page is read: ``newsbot.workers.read_page``), then the item pipelines, in order:
normalise the publication time, canonicalise and hash the URL, drop what an earlier run
already wrote, write the files.

Each pipeline is a thin Scrapy wrapper around one function below; ``prepare`` runs the same
functions in the same order for ``newsbot extract``, so a saved page renders exactly as a
crawl would. Pipelines know nothing of sites' HTML: site rules live in ``newsbot.sites``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from scrapy import signals
from scrapy.exceptions import DropItem

from .body import blocks_summary, blocks_to_markdown, blocks_to_text, read_body, read_element
from .cluster import feed_name
from .dates import SHANGHAI, normalise_published
from .feed import DurableFeed
from .formats import PROFILES, parse_profiles, remove_stale_temp_files, write_atomic
from .items import Article
from .sites import get_site
from .state import StateStore, record_json
from .text import byline_names, clean_text, find_byline, remove_pinyin
from .urls import canonical_url, url_hash

logger = logging.getLogger(__name__)


class Dropped(DropItem):
    """A drop with a short machine-readable reason, counted as newsbot/dropped/{reason}."""

    def __init__(self, reason: str, message: str, log_level: str = "WARNING"):
        super().__init__(f"{reason}: {message}", log_level=log_level)
        self.reason, self.message, self.log_level = reason, message, log_level

    def __reduce__(self):  # raised in a worker process (newsbot.workers), re-raised here
        return (type(self), (self.reason, self.message, self.log_level))


# --- the steps ----------------------------------------------------------------------------
def clean_article(article: Article, convert=None) -> Article:
    """Clean the title and turn the extracted body into paragraphs, Markdown, text, clean
    HTML, images and summary. ``convert`` is an optional text converter (OpenCC)."""
    finish = (lambda s: convert(remove_pinyin(s))) if convert else remove_pinyin
    article.title = finish(clean_text(article.title))
    if not article.title:
        raise Dropped("no_title", f"no title on {article.url}")
    body = article.body if article.body is not None else article.body_html
    if isinstance(body, etree._Element):
        blocks, html = read_element(body, article.url)  # (the page's own element)
    else:
        blocks, html = read_body(body, article.url) if body else ([], "")
    article.body = None
    if convert:
        blocks = [b._replace(text=convert(b.text), markdown=convert(b.markdown)) for b in blocks]
    if not blocks:  # photo news (images only, captions or not) is an article
        raise Dropped("no_body", f"no body text on {article.url} (and no images)")
    article.body_markdown = blocks_to_markdown(blocks)
    article.body_text = blocks_to_text(blocks)
    article.summary = blocks_summary(blocks)
    article.images = [b.src for b in blocks if b.is_image]
    article.body_html = html
    article.byline = article.byline or find_byline([b.text for b in blocks if not b.is_image])
    article.author = article.author or byline_names(article.byline)
    article.outlet = clean_text(article.outlet) or None
    article.columns = list(dict.fromkeys([*article.columns, *([article.column] if article.column else [])]))
    article.column = article.column or (article.columns[0] if article.columns else None)
    article.tags = article.tags or [article.source]
    article.categories = article.categories or [c for c in (article.source, article.column) if c]
    return article


def normalise_date(article: Article, now: datetime | None = None) -> Article:
    now = now or datetime.now(timezone.utc)
    raw = article.published
    article.published_raw = raw.isoformat() if isinstance(raw, datetime) else raw
    article.published = normalise_published(raw, SHANGHAI, now)
    article.crawled_at = (article.crawled_at or now).astimezone(SHANGHAI)
    return article


def canonicalise(article: Article) -> Article:
    # extract() wrote the URL with its site's scheme; keep that scheme.
    article.url = canonical_url(article.url, urlsplit(article.url).scheme)
    article.urlname = url_hash(article.url)
    return article


def prepare(article: Article, convert=None, now: datetime | None = None) -> Article:
    """Every step a crawl applies before dedupe and writing, in the same order."""
    return canonicalise(normalise_date(clean_article(article, convert), now))


def article_record(article: Article) -> dict:
    """The JSONL record (the exporter applies the same field serializers)."""
    record = {}
    for f in dataclasses.fields(article):
        if f.metadata.get("record") is False:
            continue
        value = getattr(article, f.name)
        record[f.name] = f.metadata.get("serializer", lambda v: v)(value)
    return record


def profile_options(site_name: str, profile: str, settings) -> dict:
    options = dict(get_site(site_name).profile_options) if site_name else {}
    options.update((settings.getdict("NEWSBOT_PROFILE_OPTIONS") or {}) if settings else {})
    return options


def render(article: Article, profile: str, settings=None) -> str:
    return PROFILES[profile].render(article, profile_options(article.site, profile, settings))


# --- the pipelines ------------------------------------------------------------------------
class _Counted:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class PublishedDatePipeline(_Counted):
    def process_item(self, item, spider=None):
        normalise_date(item)
        if item.published is None:
            self.stats.inc_value("newsbot/missing/published")
            logger.warning("no publication time found on %s (raw %r): writing crawl time", item.url, item.published_raw)
        since = getattr(spider or self.crawler.spider, "since", None)
        if since and item.published and item.published < since:
            # -a since=: what is older is not written (paging stops near it too).
            self.stats.inc_value("newsbot/dropped/older_than_since")
            raise Dropped("older_than_since", f"{item.url} was published {item.published:%Y-%m-%d}", log_level="DEBUG")
        return item


class CanonicalUrlPipeline(_Counted):
    def process_item(self, item, spider=None):
        return canonicalise(item)


class DedupePipeline(_Counted):
    """Drops an article that this or an earlier run already wrote (same canonical URL),
    unless it is queued again to restore its deleted or truncated files."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.store = StateStore.for_crawler(crawler)

    def process_item(self, item, spider=None):
        urlname = self.store.urlname_for(item.url)
        if urlname is not None:
            if not self.store.is_pending(item.url):
                self.stats.inc_value("newsbot/dropped/already_written")
                raise Dropped("already_written", f"{item.url} was written before", log_level="DEBUG")
            item.urlname = urlname  # a restore keeps the name it was written under
        return item


class OutputError(RuntimeError):
    """The output directory or the state cannot be written (disk full, read-only,
    permissions, a Redis server that refuses or is gone)."""


def stop_for_output_error(crawler, error) -> None:
    """The run cannot record what it does: stop it (RunReport: exit 6). Nothing is lost:
    what was not recorded stays pending in the state and the next run writes it."""
    if not crawler.stats.get_value("newsbot/output_error"):
        crawler.newsbot_output_error = str(error)
        logger.error("output: %s; stopping the run", error)
    crawler.stats.inc_value("newsbot/output_error")
    if crawler.engine and crawler.engine.running:
        crawler.engine.close_spider(crawler.spider, "output_error")


class WriteFilesPipeline(_Counted):
    """Writes each article's files, then marks it written in the state, then appends its
    line to the default feed, in batches: each article's files are written to a temp file
    and renamed at once; every ``NEWSBOT_WRITE_BATCH`` articles (and when the crawl is idle
    or ends) the batch's files are fsynced, the batch is marked written in one state
    transaction, and its feed lines are appended with one fsync. A kill at any point loses
    nothing: an article leaves the state's frontier only in that transaction, so one whose
    batch was not committed is fetched and written again (same names, same bytes).

    The flush runs in a thread with its own state connection, so the crawl downloads and
    parses while the batch is fsynced and committed. Batches become durable one after
    another, in order."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.settings = settings
        self.output = Path(settings.get("NEWSBOT_OUTPUT_DIR", "output"))
        self.store = StateStore.for_crawler(crawler)
        self.writer_store = None  # the flush thread's connection, opened at the first flush
        self.profiles = parse_profiles(settings.get("NEWSBOT_FORMAT")) if settings.get("NEWSBOT_FORMAT") else None
        self.batch_size = max(1, settings.getint("NEWSBOT_WRITE_BATCH", 32))
        self.batch: list[tuple[Article, str, list[tuple[Path, int]]]] = []
        self.unflushed: set[str] = set()  # urlnames written whose batch is not yet durable
        self.flushing = asyncio.Lock()
        self.idle_flush: asyncio.Future | None = None
        self.feed = None
        self.sites: list[str] = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.flush_when_idle, signal=signals.spider_idle)

    def spider_opened(self, spider):
        removed = remove_stale_temp_files(self.output)
        if removed:
            logger.warning("removed %d temp files left by an interrupted run", removed)
        self.sites = [site.name for site in getattr(spider, "sites", ())]
        self.feed = DurableFeed(self.output / "feeds" / feed_name(self.settings, spider.name))
        key = f"feed_signature:{self.feed.path.name}"
        lost: list[str] = []
        if self.store.get_meta(key) != self.feed.signature():
            # Changed behind our back (edited, or from an older newsbot): read it once whole.
            rejected, present = self.feed.scrub()
            if rejected:
                self.stats.inc_value("newsbot/feed_rejected_lines", rejected)
            lost = [u for u in self.store.fed_urlnames(self.sites) if u not in present]
            if lost:  # lines removed by hand: the articles get them back (re-fetched if need be)
                logger.warning("feed %s: %d written articles have no line; adding them again", self.feed.path, len(lost))
                self.store.mark_unfed(lost)
        unfed = self.store.unfed(self.sites)
        self.lost_lines = set(lost) - {u for u, _ in unfed}  # no record left to rewrite them from
        fed = self.feed.reconcile(unfed)
        if fed and self.feed.added:
            self.stats.inc_value("newsbot/feed_reconciled", self.feed.added)
        self.store.mark_fed(fed, meta={key: self.feed.signature()})
        restored = self.queue_restores()
        if restored:
            self.stats.inc_value("newsbot/restore_queued", restored)

    def queue_restores(self) -> int:
        """Queue every written article whose file was deleted or truncated since, or whose
        feed line is lost and whose record the state no longer keeps: the crawl fetches it
        again and rewrites what is missing."""
        entries = []
        for urlname, url, site, files in self.store.written_files(self.sites):
            if urlname in self.lost_lines:
                entries.append((urlname, url, url, site, None))
                continue
            for relative, size in files:
                try:
                    intact = (self.output / relative).stat().st_size == size
                except OSError:
                    intact = False
                if not intact:
                    logger.warning("%s: file %s is missing or truncated; fetching the article again to restore it",
                                   url, relative)
                    entries.append((urlname, url, url, site, None))
                    break
        return self.store.queue(entries) if entries else 0

    async def flush_or_stop(self, spider=None):
        """Flush; when the output cannot be written, stop the run (RunReport: exit 6)."""
        try:
            await self.flush()
        except OutputError as exc:
            stop_for_output_error(self.crawler, exc)

    def flush_when_idle(self, spider=None):
        """The crawl is idle: make the batch durable now rather than at the next article.
        (spider_idle handlers cannot be awaited; close_spider waits for this flush.)"""
        if self.batch:  # kept: the loop holds only a weak reference to a task
            self.idle_flush = asyncio.ensure_future(self.flush_or_stop())

    async def close_spider(self, spider=None):
        # Not the spider_closed signal: its handlers run side by side, and the run report
        # must count this last batch. Scrapy awaits close_spider before sending it.
        try:
            await self.flush_or_stop()
        finally:
            if self.feed:
                self.feed.close()
            if self.writer_store is not None and self.writer_store is not self.store:
                self.writer_store.close()

    def paths(self, item: Article) -> list[tuple[str, Path]]:
        profiles = self.profiles or [get_site(item.site).profile]
        return [(p, Path(item.site) / p / PROFILES[p].filename(item)) for p in profiles]

    async def process_item(self, item, spider=None):
        if item.urlname in self.unflushed:  # the same article twice before its batch is durable
            self.stats.inc_value("newsbot/dropped/already_written")
            raise Dropped("already_written", f"{item.url} is being written", log_level="DEBUG")
        texts = [(relative, render(item, profile, self.settings)) for profile, relative in self.paths(item)]
        files = []
        try:
            for relative, text in texts:
                data = text.encode("utf-8")
                write_atomic(self.output / relative, data, durable=False)
                files.append((relative, len(data)))
        except OSError as exc:
            raise OutputError(f"cannot write {self.output / relative}: {exc.strerror or exc}") from exc
        self.batch.append((item, record_json(article_record(item)), files))  # encoded once: state and feed
        self.unflushed.add(item.urlname)
        if len(self.batch) >= self.batch_size:
            await self.flush()
        return item

    async def flush(self, spider=None):
        """Make the batch durable (``write_batch``, in a thread), then count it."""
        async with self.flushing:
            if not self.batch:
                return
            batch, self.batch = self.batch, []
            if self.writer_store is None:
                self.writer_store = self.store.for_writer()
            try:
                await asyncio.to_thread(self.write_batch, batch)
            except OutputError:
                raise
            except Exception as exc:  # the state refused the batch (disk full, Redis gone): nothing is lost
                raise OutputError(f"cannot record the written articles in the state: {type(exc).__name__}: {exc}") from exc
            finally:
                self.unflushed.difference_update(item.urlname for item, _, _ in batch)
            for item, _, _ in batch:
                # Written, but a part of it wants another try (an image that did not
                # download): the article is fetched again after a backoff, like a failure.
                if item.retry_reason:
                    self.store.fail(item.urlname, item.retry_reason, entry=(item.url, item.url, item.site, item.columns))
                self.stats.inc_value("newsbot/written")
                self.stats.inc_value(f"newsbot/written/{item.site}")

    def write_batch(self, batch) -> None:
        """The batch's files fsynced, then marked written in the state, then its feed lines."""
        try:
            sync_files([self.output / relative for _, _, files in batch for relative, _ in files])
            store = self.writer_store
            store.mark_written(
                (item.urlname, item.url, item.site, item.crawled_at.isoformat(), record, item.columns, files)
                for item, record, files in batch
            )
            # New articles, and restored ones whose line was lost (not those whose files were).
            unfed = store.unfed_among(item.urlname for item, _, _ in batch)
            self.feed.append(record for item, record, _ in batch if item.urlname in unfed)
            store.mark_fed(unfed, meta={f"feed_signature:{self.feed.path.name}": self.feed.signature()})
        except OSError as exc:
            raise OutputError(f"cannot write to {self.output}: {exc.strerror or exc}") from exc


def sync_files(paths) -> None:
    """fsync each file and, once, each directory they are in (their renames)."""
    paths = list(paths)
    for path in [*paths, *dict.fromkeys(p.parent for p in paths)]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def chinese_converter(config: str | None):
    """``NEWSBOT_CHINESE=s2t`` (or t2s, …): convert text with OpenCC; off when unset."""
    if not config:
        return None
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("NEWSBOT_CHINESE needs OpenCC: pip install 'newsbot[chinese]'") from exc
    return opencc.OpenCC(config).convert
