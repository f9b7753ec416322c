"""Three downloader middlewares that keep a crawl polite: requests stay on the site's hosts,
robots.txt is obeyed for every request, and retries wait (``Retry-After``, backoff)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.python.failure import Failure

from newsbot.crawl.failures import OffsiteRequest, RobotsForbidden, RobotsUnavailable, failure_reason
from newsbot.crawl.scrapy_private import robots_parsers

logger = logging.getLogger(__name__)


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


def is_robots_request(request) -> bool:
    """The request Scrapy's robots.txt middleware makes for a host's robots.txt."""
    return bool(request.meta.get("dont_obey_robotstxt")) and urlparse_cached(request).path == "/robots.txt"


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, obeyed by every request. (Scrapy 2.19 hands the
    parsed rules to the first request waiting for robots.txt and None, which means "allow
    all", to the later ones: two of four start requests were fetched under Disallow: /.)

    A robots.txt that cannot be read (a 5xx answer after retries, a timeout, a refused
    connection) means nothing is fetched from its host this run (RFC 9309 2.3.1.4; Scrapy
    takes it as "allow all"): every request to it fails with ``RobotsUnavailable``, and the
    run report raises one alarm per host (``crawler.newsbot_robots_unavailable``), instead
    of Scrapy's traceback for a timeout."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.unavailable: dict[str, str] = {}  # netloc -> why its robots.txt was not read
        crawler.newsbot_robots_unavailable = self.unavailable

    async def process_request(self, request, spider=None):
        if is_robots_request(request):
            # Its retries give up quietly: the run report's alarm says it once.
            request.meta.setdefault("give_up_log_level", "DEBUG")
            return None
        return await super().process_request(request)

    def process_response(self, request, response, spider=None):
        if is_robots_request(request) and response.status >= 500:
            self.unavailable[urlparse_cached(request).netloc] = f"answered HTTP {response.status}"
        return response

    def process_exception(self, request, exception, spider=None):
        if not is_robots_request(request) or isinstance(exception, IgnoreRequest):
            return None
        reason = failure_reason(Failure(exception, exc_tb=None))
        self.unavailable[urlparse_cached(request).netloc] = f"could not be fetched ({reason}: {exception})"
        # An IgnoreRequest: Scrapy's robot_parser then logs no traceback.
        raise RobotsUnavailable(f"robots.txt of {urlparse_cached(request).netloc} could not be fetched")

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        netloc = urlparse_cached(request).netloc
        if netloc in self.unavailable:
            self.crawler.stats.inc_value("newsbot/robots_unavailable")
            raise RobotsUnavailable(f"robots.txt of {netloc} {self.unavailable[netloc]}: nothing is fetched "
                                    f"from {netloc} this run")
        # Once robots.txt is read, the rules are there whoever waited for them.
        return robots_parsers(self).get(netloc, parser)

    def process_request_2(self, rp, request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as forbidden:  # Scrapy's is untyped: a type tells it from the others
            raise RobotsForbidden(str(forbidden)) from None


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
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=request.meta.get("give_up_log_level", self.give_up_log_level),
        )
        if retry is None:
            return response
        await sleep(max(asked or 0.0, self.backoff_for(request)))
        return retry

    async def process_exception(self, request, exception, spider=None):
        retry = super().process_exception(request, exception)
        if retry is not None:
            await sleep(self.backoff_for(request))
        return retry
