"""The last pipeline: an article's files written, then recorded in the state, then its line
appended to the default JSONL feed, in durable batches."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from scrapy import signals

from newsbot.errors import Dropped, OutputError, stop_for_output_error
from newsbot.items import Article, article_record, record_digest
from newsbot.crawl.failures import count_failed_article
from newsbot.crawl.pipelines import Pipeline
from newsbot.crawl.revisits import RevisitPolicy, watch_entry
from newsbot.publish.places import Places
from newsbot.publish.profiles import PROFILES, parse_profiles, render
from newsbot.sites import get_site
from newsbot.storage.feed import DurableFeed
from newsbot.storage.files import sync_files, write_atomic
from newsbot.storage.reconcile import reconcile
from newsbot.storage.jsonl import record_json
from newsbot.storage.names import feed_name
from newsbot.storage.state import state_for_crawler

logger = logging.getLogger(__name__)


class WriteFilesPipeline(Pipeline):
    """Writes each article's files, then marks it written in the state, then appends its
    line to the default feed, in batches: each article's files are written to a temp file
    and renamed at once; every ``NEWSBOT_WRITE_BATCH`` articles (and when the crawl is idle
    or ends) the batch's files are fsynced, the batch is marked written in one state
    transaction, and its feed lines are appended with one fsync. A kill at any point loses
    nothing: an article leaves the state's frontier only in that transaction, so one whose
    batch was not committed is fetched and written again (same names, same bytes).

    The flush runs in a thread with its own state connection, so the crawl downloads and
    parses while the batch is fsynced and committed. Batches become durable one after
    another, in order.

    A correction (a revisit found the article changed: ``newsbot.crawl.revisits``) is
    written the same way, over the same files, and recorded with ``mark_corrected``: its
    new record is a second line in the feed. Articles published recently are watched for
    corrections in the same flush."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.settings = settings
        self.output = Path(settings.get("NEWSBOT_OUTPUT_DIR", "output"))
        self.places = Places.from_settings(settings)
        self.store = state_for_crawler(crawler)
        self.writer_store = None  # the flush thread's connection, opened at the first flush
        self.profiles = parse_profiles(settings.get("NEWSBOT_FORMAT")) if settings.get("NEWSBOT_FORMAT") else None
        self.batch_size = max(1, settings.getint("NEWSBOT_WRITE_BATCH", 32))
        self.revisits = RevisitPolicy.from_settings(settings)
        # (article, its record's line, its files, its revisit watch entry or None)
        self.batch: list[tuple[Article, str, list[tuple[Path, int]], tuple | None]] = []
        self.unflushed: set[str] = set()  # urlnames written whose batch is not yet durable
        self.flushing = asyncio.Lock()
        self.idle_flush: asyncio.Future | None = None
        self.feed = None
        self.sites: list[str] = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.flush_when_idle, signal=signals.spider_idle)

    def spider_opened(self, spider):
        self.sites = [site.name for site in getattr(spider, "sites", ())]
        self.feed = DurableFeed(self.output / "feeds" / feed_name(self.settings, spider.name))
        done = reconcile(self.output, self.store, self.feed, self.sites, self.places.folders())
        for stat, count in (("newsbot/feed_rejected_lines", done.rejected_lines),
                            ("newsbot/feed_reconciled", done.lines_added),
                            ("newsbot/restore_queued", done.restores_queued)):
            if count:
                self.stats.inc_value(stat, count)

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
        return [(p, self.places.post(item.site, p, PROFILES[p].filename(item))) for p in profiles]

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
                if item.revisit:
                    self.remove_renamed(relative, item.urlname)
        except OSError as exc:
            raise OutputError(f"cannot write {self.output / relative}: {exc.strerror or exc}") from exc
        record = article_record(item)
        published = (item.published or item.crawled_at).timestamp()
        watch = watch_entry(item, record_digest(record)) if self.revisits.watches(published) else None
        self.batch.append((item, record_json(record), files, watch))  # encoded once: state and feed
        self.unflushed.add(item.urlname)
        if len(self.batch) >= self.batch_size:
            await self.flush()
        return item

    def remove_renamed(self, relative: Path, urlname: str) -> None:
        """A correction that changed a Jekyll post's date changed its file's name
        (``YYYY-MM-DD-{urlname}.md``): the post under its old name goes, or the blog shows
        it twice. (Killed before the batch is durable, the start-up check restores it.)"""
        for old in (self.output / relative).parent.glob(f"*-{urlname}.md"):
            if old.name != relative.name:
                old.unlink(missing_ok=True)

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
                self.unflushed.difference_update(item.urlname for item, *_ in batch)
            for item, *_ in batch:
                # Written, but a part of it wants another try (an image that did not
                # download): the article is fetched again after a backoff, like a failure.
                if item.retry_reason:
                    outcome = self.store.fail(item.urlname, item.retry_reason, entry=(item.url, item.url, item.site, item.columns))
                    count_failed_article(self.stats, item.retry_reason, outcome)
                if item.revisit:
                    self.stats.inc_value("newsbot/revisits/corrected")
                    continue
                self.stats.inc_value("newsbot/written")
                self.stats.inc_value(f"newsbot/written/{item.site}")

    def write_batch(self, batch) -> None:
        """The batch's files fsynced, then marked written in the state, then its feed lines."""
        try:
            sync_files([self.output / relative for _, _, files, _ in batch for relative, _ in files])
            store = self.writer_store
            new, corrected = [], []
            for item, record, files, _ in batch:
                (corrected if item.revisit else new).append(
                    (item.urlname, item.url, item.site, item.crawled_at.isoformat(), record, item.columns, files))
            if new:
                store.mark_written(new)
            if corrected:
                store.mark_corrected(corrected)
            # New articles, corrections, and restored ones whose line was lost (not those whose files were).
            unfed = store.unfed_among(item.urlname for item, *_ in batch)
            self.feed.append(record for item, record, _, _ in batch if item.urlname in unfed)
            store.mark_fed(unfed, meta={f"feed_signature:{self.feed.path.name}": self.feed.signature()})
            watches = [watch for *_, watch in batch if watch is not None]
            if watches:
                store.watch(watches)
        except OSError as exc:
            raise OutputError(f"cannot write to {self.output}: {exc.strerror or exc}") from exc
