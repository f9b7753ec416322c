"""Spiders: which pages to fetch. What a page means is in ``newsbot.pages`` (page objects).

``SiteSpider`` crawls any ``Site``: it walks each column's list pages towards older ones
and queues every article link it has not written in the state's frontier (``pending``),
with every column that lists it. Articles are then claimed from the frontier and fetched,
each once: when the lists are read (so an article listed under two columns is written
once with both, and a rerun with nothing new costs one list page per column), or already
while they are read once a long walk (a backfill) has queued more than a chunk. The
frontier also holds the articles that failed in earlier runs: they are fetched again when
their backoff has passed, whatever list page they were on. A few articles written lately
are fetched again too, to catch corrections (``newsbot.crawl.revisits``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from newsbot import cluster
from newsbot.crawl.config import parse_backfill, parse_columns, parse_max_pages, parse_since
from newsbot.crawl.failures import UNREACHABLE, count_failed_article, failure_reason
from newsbot.crawl.responses import listed_articles, page_input, response_headers
from newsbot.crawl.revisits import REVISIT_PRIORITY, RevisitPolicy, conditional_headers, validators
from newsbot.crawl.workers import Workers
from newsbot.dates import SHANGHAI, date_from_url
from newsbot.errors import Dropped, OutputError, stop_for_output_error
from newsbot.extract import read_page
from newsbot.items import Article
from newsbot.sites import Site, get_site
from newsbot.storage.state import state_for_crawler
from newsbot.urls import canonical_url, url_hash

LIST_PRIORITY = 10  # list pages before articles, so paging decisions come early
LOGIN_URL = re.compile(r"login|logon|signin|passport|sso|cas/|auth", re.I)
CHUNK = 256  # articles claimed from the frontier at a time
LOW_WATER = 64  # a backfill claims more once fewer article requests than this are out
MAX_LIST_PAGES = 10000  # per column: a pager that never ends stops here, with an alarm


class SiteSpider(scrapy.Spider):
    site_name: str = ""

    # The default JSONL feed ({output}/feeds/{name}.jsonl) is written by WriteFilesPipeline
    # (newsbot.storage.feed), beside any -o/-O feed the user adds.

    def __init__(self, *args, columns: str | None = None, since: str | None = None,
                 backfill: str | bool = False, max_pages: str | int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites: list[Site] = self.load_sites(**kwargs)
        self.site: Site = self.sites[0]  # the spider's own site (campus: the first of its sites)
        # One parser per argument, shared with the start-up check (newsbot.crawl.config).
        self.column_codes = parse_columns(columns, self.site)
        self.since = parse_since(since)
        self.backfill = parse_backfill(backfill)
        self.max_pages = parse_max_pages(max_pages)
        self.empty_columns: list[str] = []
        self.broken_columns: list[str] = []  # "site/column: why" (404, 5xx, moved, endless pager)
        self.seen_list_pages: set[str] = set()
        self.queued_unclaimed = 0
        self.in_flight = 0  # article requests handed out and not yet answered
        self.claimer = uuid.uuid4().hex

    # What the state's "skipped" marks are valid for (eastmoney: the outlet asked for).
    skip_scope = ""

    def load_sites(self, **kwargs) -> list[Site]:
        return [get_site(self.site_name or self.name)]

    def site_columns(self, site: Site):
        codes = self.column_codes or list(site.default_columns) or [c.code for c in site.columns]
        return [site.column(code) for code in codes]

    def site_named(self, name: str) -> Site:
        return next(site for site in self.sites if site.name == name)

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        cluster.update_settings(settings)  # NEWSBOT_CLUSTER: join a crawl shared through Redis

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        setting = crawler.settings.get("NEWSBOT_COLUMNS")
        if setting and "columns" not in kwargs:
            kwargs["columns"] = setting if isinstance(setting, str) else ",".join(setting)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = state_for_crawler(crawler)
        spider.workers = Workers.for_crawler(crawler)
        spider.chinese = crawler.settings.get("NEWSBOT_CHINESE")  # OpenCC conversion while cleaning
        spider.revisits = RevisitPolicy.from_settings(crawler.settings)
        crawler.signals.connect(spider.schedule_articles, signal=signals.spider_idle)
        crawler.signals.connect(spider.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.item_error, signal=signals.item_error)
        return spider

    async def start(self):
        # With JOBDIR, a resumed job keeps its claimer: what it claimed is in its saved queue.
        state = getattr(self, "state", None)
        if state is not None:
            self.claimer = state.setdefault("claimer", self.claimer)
        for site in self.sites:
            for column in self.site_columns(site):
                yield scrapy.Request(
                    column.url, callback=self.parse_list, errback=self.list_failed, priority=LIST_PRIORITY,
                    cb_kwargs={"site": site.name, "column": column.name, "page": 1, "first": column.url},
                )
        for revisit in self.revisits.due(self.store, [site.name for site in self.sites]):
            # Asked conditionally; a 304 is the answer wanted, not an error (handle_httpstatus_list).
            yield scrapy.Request(
                revisit.url, callback=self.parse_revisit, errback=self.revisit_failed, dont_filter=True,
                headers=conditional_headers(revisit), priority=REVISIT_PRIORITY,
                cb_kwargs={"site": revisit.site, "revisit": asdict(revisit)},
                meta={"handle_httpstatus_list": [304], "newsbot_key": revisit.url},
            )

    # --- list pages ---------------------------------------------------------------------
    async def parse_list(self, response, site: str, column: str, page: int, first: str):
        self.crawler.stats.inc_value("newsbot/list_pages")
        site = self.site_named(site)
        if page == 1 and self._moved(first, response):
            self.column_broken(site, column, f"its list page {first} redirects to {response.url}")
            return
        listing = site.list_page_of(page_input(response))
        links = listing.article_links
        if not links:
            self.crawler.stats.inc_value("newsbot/empty_list_pages")
            self.logger.warning("list page %s of column %s lists no articles", response.url, column)
            if page == 1:  # a column that lists nothing at all: the run alarm (RunReport)
                self.crawler.stats.inc_value("newsbot/alarm/empty_column")
                self.empty_columns.append(f"{site.name}/{column}")
        keys = {url: canonical_url(url, site.scheme) for url in links}
        written = self.store.written(keys.values())
        known = self.store.known(keys.values(), scope=self.skip_scope, written=written)
        for key in written:
            self.store.add_columns(key, [column])
        entries = [(url_hash(key), key, url, site.name, column) for url, key in keys.items() if key not in known]
        new = self.store.queue(entries) if entries else 0
        self.queued_unclaimed += new
        self.crawler.stats.inc_value("newsbot/links_known", len(links) - len(entries))
        # A backfill keeps the downloader busy with articles while its lists are read; an
        # ordinary run reads its (few) list pages first, so an article in two columns is
        # written once with both. Either way the queue is claimed in chunks, and only when
        # few claimed articles are left: the rest waits in the frontier, not in memory.
        if self.in_flight < LOW_WATER:
            for request in self.claim_articles(only_when_over=1 if self.backfill else CHUNK):
                yield request
        if links and not entries and not self.backfill:
            self.logger.info("column %s: page %d lists only known articles; stopping here", column, page)
            return
        if self.since and links and self._all_older(listing, links):
            self.logger.info("column %s: page %d is older than %s; stopping here", column, page, self.since.date())
            return
        if self.max_pages and page >= self.max_pages:
            return
        next_url = listing.next_page or site.list_page(first, page + 1)
        if not next_url and site.countdown:
            next_url = await self.countdown_page(listing.input, site, column, first, page + 1)
        if not next_url:
            return
        self.seen_list_pages.add(response.url)
        if next_url in self.seen_list_pages or page >= MAX_LIST_PAGES:
            self.column_broken(site, column, f"its pager does not end (page {page} leads to "
                                             f"{'a page already read' if next_url in self.seen_list_pages else 'more'})")
            return
        yield scrapy.Request(
            next_url, callback=self.parse_list, errback=self.list_failed, priority=LIST_PRIORITY,
            cb_kwargs={"site": site.name, "column": column, "page": page + 1, "first": first},
        )

    async def countdown_page(self, listed, site: Site, column: str, first: str, page: int) -> str | None:
        """List page ``page`` of a column whose older pages are numbered down from a newest
        number M no link states (``Site.countdown``): page 2 is M, found when it is needed;
        each later page is one below the page before (so a resumed job needs no M).
        ``listed``: the list page before it (a ``PageInput``)."""
        pager = site.countdown
        if page > 2:
            number = pager.number_of(listed.url)
            return pager.page_url(first, listed.url, number - 1) if number and number > 1 else None
        script = pager.script_url(listed)
        newest = await pager.find_newest(first, script, self.probe, lambda answer: listed_articles(site, answer))
        if newest is None:
            self.crawler.stats.inc_value("newsbot/pager_unknown")
            self.logger.warning("column %s: cannot tell how its older list pages are numbered; "
                                "only its first page is read", column)
            return None
        self.logger.info("column %s: its older list pages are numbered 1..%d", column, newest)
        return pager.page_url(first, script, newest) if newest else None

    async def probe(self, url: str):
        """Fetch a page the pager search needs, through the downloader (robots.txt, the host
        map, politeness, retries and replay apply); None when it does not arrive."""
        self.crawler.stats.inc_value("newsbot/pager_probes")
        try:
            return await self.crawler.engine.download_async(scrapy.Request(url, dont_filter=True))
        except Exception as exc:  # robots.txt forbids it, the connection failed after retries
            self.logger.warning("pager probe %s failed: %s", url, exc)
            return None

    @staticmethod
    def _moved(first: str, response) -> bool:
        """Did a column's first list page redirect away (another host or directory)?"""
        if not response.request.meta.get("redirect_urls"):
            return False
        was, now = urlsplit(first), urlsplit(response.url)
        return was.hostname != now.hostname or now.path.rsplit("/", 1)[0] != was.path.rsplit("/", 1)[0]

    def column_broken(self, site: Site, column: str, why: str) -> None:
        self.crawler.stats.inc_value("newsbot/alarm/broken_column")
        self.broken_columns.append(f"{site.name}/{column}: {why}")
        self.logger.error("column %s/%s: %s", site.name, column, why)

    def list_failed(self, failure):
        """A list page that did not arrive. A column's first page answering 404, 410 or 5xx
        is a broken column (alarm); every list page failing to connect is an unreachable
        site (RunReport decides); a numbered pager's page past the last one (404) ends it."""
        reason = failure_reason(failure)
        kwargs = failure.request.cb_kwargs
        site = self.site_named(kwargs["site"])
        if reason == "robots_unavailable":  # the host's alarm, once (RobotsTxtMiddleware)
            self.crawler.stats.inc_value("newsbot/list_pages_not_fetched")
            return
        if kwargs["page"] > 1 and reason in ("http_404", "http_410"):
            self.logger.info("column %s: list page %d (%s) does not exist: the list ends there",
                             kwargs["column"], kwargs["page"], failure.request.url)
            return
        self.crawler.stats.inc_value("newsbot/errors")
        self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
        self.crawler.stats.inc_value("newsbot/list_errors")
        self.crawler.stats.inc_value(f"newsbot/list_errors/{reason}")
        if reason in UNREACHABLE:
            self.logger.warning("list page %s failed: %s", failure.request.url, reason)
        elif reason == "offsite" and kwargs["page"] == 1:  # the column moved off the site
            origin = failure.request.meta.get("redirect_urls", [failure.request.url])[0]
            self.column_broken(site, kwargs["column"], f"its list page {origin} redirects to "
                                                       f"{failure.request.url}, which is not on the site's hosts")
        elif kwargs["page"] == 1:
            self.column_broken(site, kwargs["column"], f"its list page {failure.request.url} failed: {reason}")
        else:
            self.logger.warning("column %s: list page %d (%s) failed: %s; the next run reads it again",
                                kwargs["column"], kwargs["page"], failure.request.url, reason)

    def _all_older(self, listing, links) -> bool:
        """Are all the page's articles older than ``since``? By the dates in their URLs or,
        where URLs carry none (VSB, eastmoney), the date printed beside each link."""
        dates = [date_from_url(u) for u in links]
        if any(d is None for d in dates):
            dates = listing.listed_dates(links)
        return bool(dates) and all(d is not None and d < self.since for d in dates)

    # --- articles -------------------------------------------------------------------------
    def claim_articles(self, only_when_over: int = 0):
        """Requests for due articles claimed from the frontier, a chunk at a time."""
        if only_when_over and self.queued_unclaimed < only_when_over:
            return
        claimed = self.store.claim_due([s.name for s in self.sites], self.claimer, limit=CHUNK)
        if self.backfill or len(claimed) == CHUNK:  # a long run: read pages on the spare cores
            self.workers.big_run()
        self.in_flight += len(claimed)
        self.queued_unclaimed = max(0, self.queued_unclaimed - len(claimed))
        for entry in claimed:
            if entry.attempts:
                self.crawler.stats.inc_value("newsbot/retried")
            elif entry.reason != "queued":
                self.crawler.stats.inc_value(f"newsbot/requeued/{entry.reason}")
            # dont_filter: the frontier hands each article out once per run; it lets a
            # redirect loop end at REDIRECT_MAX_TIMES in article_failed, not silently.
            yield scrapy.Request(
                entry.fetch_url, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
                cb_kwargs={"site": entry.site, "columns": entry.columns},
                meta={"newsbot_key": entry.url, "newsbot_attempts": entry.attempts},
            )

    def schedule_articles(self):
        """When the crawl is idle (the lists are read), fetch the next chunk of articles."""
        try:
            requests = list(self.claim_articles())
        except OutputError as exc:
            stop_for_output_error(self.crawler, exc)
            return
        if not requests:
            return
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def skip(self, url: str, reason: str) -> None:
        """Remember an article this spider does not want, so reruns do not fetch it again."""
        key = canonical_url(url, self.site.scheme)
        self.store.mark_skipped(url_hash(key), key, reason, scope=self.skip_scope)
        self.crawler.stats.inc_value("newsbot/skipped")
        self.logger.debug("skipped %s: %s", url, reason)

    def record_failure(self, url: str, site: str, columns, reason: str, key: str | None = None) -> None:
        """An article that was not written: counted by reason, and kept in the frontier for
        a later run (with backoff) until it succeeds or is given up on."""
        site_obj = self.site_named(site) if site else self.site
        key = key or canonical_url(url, site_obj.scheme)
        try:
            outcome = self.store.fail(url_hash(key), reason, entry=(key, url, site_obj.name, list(columns or ())),
                                      claimer=self.claimer)
        except OutputError as exc:  # the state cannot record it: the run stops (exit 6); it stays pending
            stop_for_output_error(self.crawler, exc)
            return
        stats = self.crawler.stats
        count_failed_article(stats, reason, outcome)
        if outcome.first:
            stats.inc_value("newsbot/failed_articles/new")
        if outcome.given_up:
            self.logger.error("article %s: given up after %d attempts (last: %s); `newsbot failed` lists it",
                              url, outcome.attempts, reason)
        else:
            self.logger.warning("article %s failed: %s (attempt %d; retried by a later run)",
                                url, reason, outcome.attempts)

    def article_failed(self, failure):
        """An article request that got no page (after retries): counted by reason, logged."""
        reason = failure_reason(failure)
        if reason == "robots_unavailable":  # not the article's failure: it stays queued for the next run
            self.in_flight = max(0, self.in_flight - 1)
            return
        self.crawler.stats.inc_value("newsbot/errors")
        self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
        self._count_article_page(failure.request)
        url = failure.request.meta.get("redirect_urls", [failure.request.url])[0]
        kwargs = failure.request.cb_kwargs
        self.record_failure(url, kwargs.get("site"), kwargs.get("columns"), reason,
                            key=failure.request.meta.get("newsbot_key"))

    def _count_article_page(self, request) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.crawler.stats.inc_value("newsbot/article_pages")
        if not request.meta.get("newsbot_attempts"):
            self.crawler.stats.inc_value("newsbot/article_pages/new")

    def item_dropped(self, item, response, exception, spider=None):
        reason = getattr(exception, "reason", None)
        if reason == "older_than_since":  # not wanted by this run; not a failure either
            try:
                self.store.unqueue(canonical_url(item.url, self.site_named(item.site).scheme))
            except OutputError as exc:
                stop_for_output_error(self.crawler, exc)

    def item_error(self, item, response, spider, failure):
        """An exception in a pipeline: the article is not written; output errors stop the run."""
        if failure.check(OutputError):
            stop_for_output_error(self.crawler, failure.value)
            return
        reason = f"pipeline_{type(failure.value).__name__}"
        self.crawler.stats.inc_value("newsbot/errors")
        self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
        self.record_failure(item.url, item.site, item.columns, reason,
                            key=response.meta.get("newsbot_key") if response is not None else None)

    async def parse_article(self, response, site: str, columns: list[str]):
        self._count_article_page(response.request)
        if self.backfill and self.in_flight < LOW_WATER:  # the next chunk before the downloader idles
            for request in self.claim_articles(only_when_over=1):  # (not an empty claim per article)
                yield request
        article = await self.read_article(response, self.site_named(site), columns, self.record_failure)
        if article is not None:
            yield article

    async def read_article(self, response, site: Site, columns: list[str], failed) -> Article | None:
        """The article a page holds, read and cleaned (in a worker process when there are
        some); None when there is none, after ``failed(url, site, columns, reason, key)``."""
        url = response.request.meta.get("redirect_urls", [response.url])[0]
        key = response.meta.get("newsbot_key")
        if response.request.meta.get("redirect_urls") and not site.is_article(response.url):
            # Redirected off the article (a login wall, an error page): never an article.
            reason = "login_redirect" if LOGIN_URL.search(response.url) else "redirected_away"
            self.crawler.stats.inc_value("newsbot/errors")
            self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
            self.logger.warning("article %s redirected to %s: %s, not written", url, response.url, reason)
            failed(url, site.name, columns, reason, key=key)
            return None
        try:
            article = await self.workers.run(read_page, url, response.body, response_headers(response), site.name,
                                             response.url, response.encoding, list(columns), self.chinese)
        except Dropped as drop:  # no title or no body: a broken page, tried again later
            self.crawler.stats.inc_value(f"newsbot/dropped/{drop.reason}")
            self.logger.warning("dropped %s: %s", url, drop.message)
            failed(url, site.name, columns, f"dropped_{drop.reason}", key=key)
            return None
        except Exception as exc:  # one odd page must not take the article (or the run) down
            reason = f"extract_{type(exc).__name__}"
            self.crawler.stats.inc_value("newsbot/errors")
            self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
            self.logger.exception("article %s: extraction failed", url)
            failed(url, site.name, columns, reason, key=key)
            return None
        if article.extractor == "fallback":
            self.crawler.stats.inc_value(f"newsbot/fallback/{site.name}")
            self.logger.warning("%s: no body with the site's rules; used the generic extractor", response.url)
        article.crawled_at = datetime.now(timezone.utc).astimezone(SHANGHAI)
        article.etag, article.last_modified = validators(response.headers)  # for its revisits
        return article

    # --- revisits (corrections) -----------------------------------------------------------
    async def parse_revisit(self, response, site: str, revisit: dict):
        """A written article fetched again: unchanged (304, or the same record: the
        pipelines tell), or its correction, written again (``newsbot.crawl.revisits``)."""
        self.crawler.stats.inc_value("newsbot/revisits/checked")
        if response.status == 304:
            self.crawler.stats.inc_value("newsbot/revisits/unchanged")
            return
        article = await self.read_article(response, self.site_named(site), revisit["columns"], self.revisit_not_read)
        if article is not None:
            article.revisit = revisit
            yield article

    def revisit_not_read(self, url: str, site: str, columns, reason: str, key: str | None = None) -> None:
        """A revisit that found no article (now redirected, broken): the article stays as
        written; the next revisit tries again."""
        self.crawler.stats.inc_value("newsbot/revisits/failed")
        self.logger.warning("revisit of %s: %s; the article stays as written", url, reason)

    def revisit_failed(self, failure):
        reason = failure_reason(failure)
        self.crawler.stats.inc_value("newsbot/errors")
        self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
        self.crawler.stats.inc_value("newsbot/revisits/checked")
        self.revisit_not_read(failure.request.url, "", (), reason)
