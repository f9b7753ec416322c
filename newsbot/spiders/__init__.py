"""Spiders: which pages to fetch. What a page means is in ``newsbot.sites`` (page objects).

``SiteSpider`` crawls any ``Site``: it walks each column's list pages towards older ones,
collecting article links with every column that lists them, then fetches each new article
once. Reading all lists first is what lets one article listed under two columns be written
once with both, and lets a rerun with nothing new cost one list page per column.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from .. import cluster
from ..dates import SHANGHAI, date_from_url, parse_date
from ..generic import extract_generic
from ..pages import extract_article
from ..sites import Site, get_site
from ..state import SeenStore
from ..urls import canonical_url, url_hash

LIST_PRIORITY = 10  # list pages before articles, so paging decisions come early
LOGIN_URL = re.compile(r"login|logon|signin|passport|sso|cas/|auth", re.I)


def failure_reason(failure) -> str:
    """A short name for why a request failed (newsbot/errors/<reason>)."""
    from scrapy.spidermiddlewares.httperror import HttpError

    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    name = type(failure.value).__name__
    message = str(failure.value).lower()
    if "timeout" in name.lower() or "timed out" in message:
        return "timeout"
    if "maxsize" in message or "max size" in message or "larger than" in message or "cancel" in name.lower():
        return "too_large"
    if "redirection" in message:
        return "redirect_loop"
    if "dataloss" in name.lower() or "dataloss" in message or "data loss" in message:
        return "data_loss"
    if "connection" in name.lower() or "connection" in message or "responsefailed" in name.lower():
        return "connection"
    if "dns" in name.lower():
        return "dns"
    return name


class SiteSpider(scrapy.Spider):
    site_name: str = ""

    # The default JSONL feed ({output}/feeds/{name}.jsonl) is written by WriteFilesPipeline
    # (newsbot.feed), beside any -o/-O feed the user adds.

    def __init__(self, *args, columns: str | None = None, since: str | None = None,
                 backfill: str | bool = False, max_pages: str | int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites: list[Site] = self.load_sites(**kwargs)
        self.site: Site = self.sites[0]  # the spider's own site (campus: the first of its sites)
        self.column_codes = self._column_codes(columns)
        self.since = parse_date(since) if since else None
        if since and self.since is None:
            raise ValueError(f"since={since!r} is not a date (use YYYY-MM-DD)")
        self.backfill = str(backfill).lower() in ("1", "true", "yes")
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        self.pending: dict[str, dict] = {}  # canonical URL -> {"url": fetched URL, "columns": [...]}
        self.scheduled: set[str] = set()
        self.empty_columns: list[str] = []

    def load_sites(self, **kwargs) -> list[Site]:
        return [get_site(self.site_name or self.name)]

    def _column_codes(self, columns: str | None) -> list[str] | None:
        """Columns asked for by name (one-site spiders); None: each site's defaults."""
        codes = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
        for code in codes or ():
            self.site.column(code)  # a clear error for an unknown column
        return codes

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
        spider.store = SeenStore.for_crawler(crawler)
        crawler.signals.connect(spider.schedule_articles, signal=signals.spider_idle)
        return spider

    async def start(self):
        for site in self.sites:
            for column in self.site_columns(site):
                yield scrapy.Request(
                    column.url, callback=self.parse_list, priority=LIST_PRIORITY,
                    cb_kwargs={"site": site.name, "column": column.name, "page": 1, "first": column.url},
                )

    # --- list pages ---------------------------------------------------------------------
    def _bind_job_state(self) -> None:
        """With JOBDIR, keep the links read from list pages in the job's spider state, so
        a paused backfill resumes with them (those list pages will not be read again)."""
        state = getattr(self, "state", None)
        if state is not None and state.get("pending") is not self.pending:
            self.pending = state.setdefault("pending", self.pending)
            self.scheduled = state.setdefault("scheduled", self.scheduled)

    def parse_list(self, response, site: str, column: str, page: int, first: str):
        self._bind_job_state()
        self.crawler.stats.inc_value("newsbot/list_pages")
        site = self.site_named(site)
        links = []
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if site.is_article(url):
                links.append(url)
        if not links:
            self.crawler.stats.inc_value("newsbot/empty_list_pages")
            self.logger.warning("list page %s of column %s lists no articles", response.url, column)
            if page == 1:  # a column that lists nothing at all: the run alarm (RunReport)
                self.crawler.stats.inc_value("newsbot/alarm/empty_column")
                self.empty_columns.append(f"{site.name}/{column}")
        known = self.store.known(url_hash(canonical_url(u, site.scheme)) for u in links)
        new = 0
        for url in links:
            key = canonical_url(url, site.scheme)
            if url_hash(key) in known:
                continue
            entry = self.pending.setdefault(key, {"url": url, "site": site.name, "columns": []})
            if column not in entry["columns"]:
                entry["columns"].append(column)
            new += 1
        self.crawler.stats.inc_value("newsbot/links_known", len(links) - new)
        if links and new == 0 and not self.backfill:
            self.logger.info("column %s: page %d lists only known articles; stopping here", column, page)
            return
        if self.since and links and self._all_older(response, links):
            self.logger.info("column %s: page %d is older than %s; stopping here", column, page, self.since.date())
            return
        if self.max_pages and page >= self.max_pages:
            return
        next_url = self.next_page(response, site) or site.list_page(first, page + 1)
        if next_url:
            yield response.follow(
                next_url, callback=self.parse_list, priority=LIST_PRIORITY,
                cb_kwargs={"site": site.name, "column": column, "page": page + 1, "first": first},
            )

    def next_page(self, response, site: Site) -> str | None:
        for text in site.next_page_texts:
            href = response.xpath(
                "//a[normalize-space(.)=$t or normalize-space(@title)=$t]/@href", t=text
            ).get()
            if href and not href.strip().lower().startswith(("javascript:", "#")):
                return href.strip()
        return None

    def _all_older(self, response, links) -> bool:
        dates = [date_from_url(u) for u in links]
        return all(d is not None and d < self.since for d in dates)

    # --- articles -------------------------------------------------------------------------
    def schedule_articles(self):
        """When every list page is read, fetch the articles they listed, each once."""
        self._bind_job_state()
        batch = [(key, entry) for key, entry in self.pending.items() if key not in self.scheduled]
        if not batch:
            return
        for key, entry in batch:
            self.scheduled.add(key)
            # dont_filter: each article is scheduled once already (self.scheduled); it lets a
            # redirect loop end at REDIRECT_MAX_TIMES in article_failed, not silently.
            self.crawler.engine.crawl(
                scrapy.Request(entry["url"], callback=self.parse_article, errback=self.article_failed,
                               dont_filter=True, cb_kwargs={"site": entry["site"], "columns": entry["columns"]})
            )
        raise DontCloseSpider

    def skip(self, url: str, reason: str) -> None:
        """Remember an article this spider does not want, so reruns do not fetch it again."""
        key = canonical_url(url, self.site.scheme)
        self.store.mark_skipped(url_hash(key), key, reason)
        self.crawler.stats.inc_value("newsbot/skipped")
        self.logger.debug("skipped %s: %s", url, reason)

    def article_failed(self, failure):
        """An article request that got no page (after retries): counted by reason, logged."""
        reason = failure_reason(failure)
        self.crawler.stats.inc_value("newsbot/errors")
        self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
        url = failure.request.meta.get("redirect_urls", [failure.request.url])[0]
        self.logger.warning("article %s failed: %s (%s)", url, reason, failure.getErrorMessage()[:200])

    def parse_article(self, response, site: str, columns: list[str]):
        self.crawler.stats.inc_value("newsbot/article_pages")
        site = self.site_named(site)
        if response.request.meta.get("redirect_urls") and not site.is_article(response.url):
            # Redirected off the article (a login wall, an error page): never an article.
            reason = "login_redirect" if LOGIN_URL.search(response.url) else "redirected_away"
            self.crawler.stats.inc_value("newsbot/errors")
            self.crawler.stats.inc_value(f"newsbot/errors/{reason}")
            self.logger.warning("article %s redirected to %s: %s, not written",
                                response.request.meta["redirect_urls"][0], response.url, reason)
            return
        article = extract_article(site.page(response), fallback=extract_generic)
        if article.extractor == "fallback":
            self.crawler.stats.inc_value(f"newsbot/fallback/{site.name}")
            self.logger.warning("%s: no body with the site's rules; used the generic extractor", response.url)
        # The identity is the URL the list gave, not where a redirect ended.
        article.url = response.request.meta.get("redirect_urls", [response.url])[0]
        article.site = site.name
        article.source = site.display_name
        article.columns = list(columns)
        article.column = article.column or columns[0]
        article.crawled_at = datetime.now(timezone.utc).astimezone(SHANGHAI)
        yield article
