"""Safe defaults a crawl applies to itself: its User-Agent and file mode (``NewsbotAddon``),
and three downloader middlewares that keep it polite: requests stay on the site's hosts,
robots.txt is obeyed for every request, and retries wait (``Retry-After``, backoff)."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from importlib import metadata

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.settings import default_settings as scrapy_defaults
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from . import settings as newsbot_settings
from .config import file_mode

logger = logging.getLogger(__name__)


def project_home() -> str | None:
    """The Homepage in pyproject.toml's [project.urls], from the installed metadata."""
    try:
        urls = metadata.metadata("newsbot").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "homepage":
            return url.strip()
    return None


def user_agent(contact_url: str | None) -> str:
    try:
        version = metadata.version("newsbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "0"
    contact = contact_url or project_home()
    return f"newsbot/{version} (+{contact})" if contact else f"newsbot/{version}"


class NewsbotAddon:
    """Settings that depend on other settings, applied when a crawl starts (not when
    newsbot/settings.py is imported, so ``-s`` overrides take effect)."""

    def update_settings(self, settings):
        # An explicit USER_AGENT (settings.py, -s, a spider) wins; else the contact URL's.
        if settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["default"]:
            settings.set("USER_AGENT", user_agent(settings.get("NEWSBOT_CONTACT_URL")), priority="addon")
        apply_file_mode(settings)
        listed = settings.getdict("EXTENSIONS_BASE")
        for enabled, path in newsbot_settings.optional_extensions.items():
            if settings.getbool(enabled) and path not in listed:
                listed[path] = scrapy_defaults.EXTENSIONS_BASE[path]
                settings.set("EXTENSIONS_BASE", listed, priority=settings.getpriority("EXTENSIONS_BASE"))


def apply_file_mode(settings) -> None:
    """NEWSBOT_FILE_MODE, through the process umask, so every file the run creates gets
    it: articles, feed, state, lock, reports (write_atomic follows the umask too)."""
    mode = file_mode(settings.get("NEWSBOT_FILE_MODE"))
    if mode is not None:
        os.umask(0o666 & ~mode)  # directories keep their execute bits: 0640 makes them 0751


class OffsiteRequest(IgnoreRequest):
    """A request, or a redirect, to a host that is none of the spider's sites'."""


class SiteHostsMiddleware:
    """Every request stays on the hosts of the spider's sites, including article requests
    (``dont_filter``, which switches Scrapy's own offsite check off) and the redirects they
    lead to: a redirect elsewhere is not followed, and the article counts as failed."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        sites = getattr(self.crawler.spider, "sites", None)
        if not sites:
            return None
        host = (urlparse_cached(request).hostname or "").lower()
        hosts = {h for site in sites for h in site.hosts}
        if host in hosts:
            return None
        self.crawler.stats.inc_value("newsbot/offsite")
        origin = request.meta.get("redirect_urls", [None])[0]
        came = f" (from {origin})" if origin else ""
        logger.warning("not fetching %s%s: %s is not one of the site's hosts", request.url, came, host)
        raise OffsiteRequest(f"{request.url}{came} is on {host}, not one of {', '.join(sorted(hosts))}")


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, obeyed by every request. (Scrapy 2.19 hands the
    parsed rules to the first request waiting for robots.txt and None, which means "allow
    all", to the later ones: two of four start requests were fetched under Disallow: /.)"""

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        # Once robots.txt is read, the rules are in _parsers whoever waited for them.
        return self._parsers.get(urlparse_cached(request).netloc, parser)


async def sleep(seconds: float) -> None:
    """Wait without holding up the reactor (other requests go on meanwhile)."""
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def retry_after(response) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), or None."""
    value = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, with a wait before each: the answer's Retry-After (429, 503), or
    NEWSBOT_RETRY_BACKOFF doubled per retry of the request. A Retry-After longer than
    NEWSBOT_RETRY_AFTER_MAX gives the request up for this run."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("NEWSBOT_RETRY_BACKOFF")
        self.retry_after_max = settings.getfloat("NEWSBOT_RETRY_AFTER_MAX")

    def backoff_for(self, request) -> float:
        return min(self.backoff * 2 ** request.meta.get("retry_times", 0), self.retry_after_max)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after(response)
        if asked is not None and asked > self.retry_after_max:
            self.crawler.stats.inc_value("newsbot/retry_after_too_long")
            logger.warning("%s asks to retry after %.0fs, more than NEWSBOT_RETRY_AFTER_MAX=%.0fs: "
                           "not retried this run", request.url, asked, self.retry_after_max)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await sleep(max(asked or 0.0, self.backoff_for(request)))
        return retry

    async def process_exception(self, request, exception, spider=None):
        retry = super().process_exception(request, exception)
        if retry is not None:
            await sleep(self.backoff_for(request))
        return retry
