"""Item pipelines, in order: clean and validate, normalise the publication time,
canonicalise and hash the URL, drop what an earlier run already wrote, write the files.

Each pipeline is a thin Scrapy wrapper around one function below; ``prepare`` runs the same
functions in the same order for ``newsbot extract``, so a saved page renders exactly as a
crawl would. Pipelines know nothing of sites' HTML: site rules live in ``newsbot.sites``.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem

from .body import blocks_summary, blocks_to_markdown, blocks_to_text, clean_html, html_to_blocks
from .cluster import feed_name
from .dates import SHANGHAI, normalise_published
from .feed import DurableFeed
from .formats import PROFILES, parse_profiles, remove_stale_temp_files, write_atomic
from .items import Article
from .sites import get_site
from .state import SeenStore
from .text import byline_names, clean_text, find_byline, remove_pinyin
from .urls import canonical_url, url_hash

logger = logging.getLogger(__name__)


class Dropped(DropItem):
    """A drop with a short machine-readable reason, counted as newsbot/dropped/{reason}."""

    def __init__(self, reason: str, message: str, log_level: str = "WARNING"):
        super().__init__(f"{reason}: {message}", log_level=log_level)
        self.reason = reason


# --- the steps ----------------------------------------------------------------------------
def clean_article(article: Article, convert=None) -> Article:
    """Clean the title and turn the extracted body into paragraphs, Markdown, text, clean
    HTML, images and summary. ``convert`` is an optional text converter (OpenCC)."""
    finish = (lambda s: convert(remove_pinyin(s))) if convert else remove_pinyin
    article.title = finish(clean_text(article.title))
    if not article.title:
        raise Dropped("no_title", f"no title on {article.url}")
    blocks = html_to_blocks(article.body_html, article.url) if article.body_html else []
    if convert:
        blocks = [dataclasses.replace(b, text=convert(b.text), markdown=convert(b.markdown)) for b in blocks]
    if not any(not b.is_image for b in blocks):
        raise Dropped("no_body", f"no body text on {article.url}")
    article.body_markdown = blocks_to_markdown(blocks)
    article.body_text = blocks_to_text(blocks)
    article.summary = blocks_summary(blocks)
    article.images = [b.src for b in blocks if b.is_image]
    article.body_html = clean_html(article.body_html, article.url)
    lead = next(b.text for b in blocks if not b.is_image)
    article.byline = article.byline or find_byline(lead)
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
    scheme = get_site(article.site).scheme if article.site else "https"
    article.url = canonical_url(article.url, scheme)
    article.urlname = url_hash(article.url)
    return article


def prepare(article: Article, convert=None, now: datetime | None = None) -> Article:
    """Every step a crawl applies before dedupe and writing, in the same order."""
    return canonicalise(normalise_date(clean_article(article, convert), now))


def article_record(article: Article) -> dict:
    """The JSONL record (the exporter applies the same field serializers)."""
    record = {}
    for f in dataclasses.fields(article):
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

    def _run(self, step, item):
        try:
            return step(item)
        except Dropped as drop:
            self.stats.inc_value(f"newsbot/dropped/{drop.reason}")
            raise


class CleanArticlePipeline(_Counted):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.convert = chinese_converter(crawler.settings.get("NEWSBOT_CHINESE"))

    def process_item(self, item, spider=None):
        return self._run(lambda a: clean_article(a, self.convert), item)


class PublishedDatePipeline(_Counted):
    def process_item(self, item, spider=None):
        normalise_date(item)
        if item.published is None:
            self.stats.inc_value("newsbot/missing/published")
            logger.warning("no publication time found on %s (raw %r): writing crawl time", item.url, item.published_raw)
        return item


class CanonicalUrlPipeline(_Counted):
    def process_item(self, item, spider=None):
        return canonicalise(item)


class DedupePipeline(_Counted):
    """Drops an article that this or an earlier run already wrote (same URL hash)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.store = SeenStore.for_crawler(crawler)

    def process_item(self, item, spider=None):
        if item.urlname in self.store:
            self.stats.inc_value("newsbot/dropped/already_written")
            raise Dropped("already_written", f"{item.url} was written before", log_level="DEBUG")
        return item


class WriteFilesPipeline(_Counted):
    """Writes each article's files atomically, then marks it written in the state store,
    then appends its line to the default feed (``newsbot.feed``: durable, reconciled with
    the state at start-up, so a kill at any point neither loses nor repeats a line)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.settings = settings
        self.output = Path(settings.get("NEWSBOT_OUTPUT_DIR", "output"))
        self.store = SeenStore.for_crawler(crawler)
        self.profiles = parse_profiles(settings.get("NEWSBOT_FORMAT")) if settings.get("NEWSBOT_FORMAT") else None
        self.feed = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self, spider):
        removed = remove_stale_temp_files(self.output)
        if removed:
            logger.warning("removed %d temp files left by an interrupted run", removed)
        self.feed = DurableFeed(self.output / "feeds" / feed_name(self.settings, spider.name))
        sites = [site.name for site in getattr(spider, "sites", ())]
        added = self.feed.reconcile(self.store.records(sites)) if sites else 0
        if added:
            self.stats.inc_value("newsbot/feed_reconciled", added)
            logger.warning("feed %s: added %d records written but missing from it (interrupted run)",
                           self.feed.path, added)

    def spider_closed(self, spider):
        if self.feed:
            self.feed.close()

    def paths(self, item: Article) -> list[tuple[str, Path]]:
        profiles = self.profiles or [get_site(item.site).profile]
        return [(p, self.output / item.site / p / PROFILES[p].filename(item)) for p in profiles]

    def process_item(self, item, spider=None):
        for profile, path in self.paths(item):
            write_atomic(path, render(item, profile, self.settings))
        record = article_record(item)
        self.store.mark(item.urlname, item.url, item.site, item.crawled_at.isoformat(), record, item.columns)
        self.feed.append(record)
        self.stats.inc_value("newsbot/written")
        self.stats.inc_value(f"newsbot/written/{item.site}")
        return item


def chinese_converter(config: str | None):
    """``NEWSBOT_CHINESE=s2t`` (or t2s, …): convert text with OpenCC; off when unset."""
    if not config:
        return None
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("NEWSBOT_CHINESE needs OpenCC: pip install 'newsbot[chinese]'") from exc
    return opencc.OpenCC(config).convert
