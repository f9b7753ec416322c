"""Replay: serve a crawl from saved pages, so tests and the demo never touch the network.

A URL maps to ``{root}/{host}{path}``: scheme ignored (http and https are one page), empty
path segments collapsed (nankai's pager URLs have ``count//0003000``), a path ending in
``/`` saved as ``index.html``, a query string appended to the file name as ``@{query}``.
"""

from __future__ import annotations

import logging
import mimetypes
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse

from newsbot.crawl.middlewares.hostmap import mapped_url
from newsbot.errors import ConfigError, SiteUnreachable
from newsbot.storage.files import write_atomic

logger = logging.getLogger(__name__)


def fixture_path(root: str | Path, url: str) -> Path:
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s not in ("", ".", "..")]
    if not segments or parts.path.endswith("/"):
        segments.append("index.html")
    if parts.query:
        segments[-1] += "@" + parts.query.replace("/", "%2F")
    return Path(root, (parts.hostname or "").lower(), *segments)


def response_for(root: str | Path, request) -> Response:
    path = fixture_path(root, request.url)
    if not path.is_file():
        return Response(request.url, status=404, body=b"not in replay fixtures", request=request)
    body = path.read_bytes()
    kind = mimetypes.guess_type(path.name.split("@")[0])[0] or "text/html"
    if path.suffix in (".shtml", ".htm", ".html", ".jsp", ".php", ".asp", ".aspx") or kind == "text/html":
        # No charset in the header: the page's own <meta> (or detection) decides, as it
        # does for most real campus servers.
        return HtmlResponse(request.url, body=body, headers={"Content-Type": "text/html"}, request=request)
    return TextResponse(request.url, body=body, headers={"Content-Type": kind}, request=request)


class ReplayMiddleware:
    """Downloader middleware, on when ``NEWSBOT_REPLAY_DIR`` is set: every request is
    answered from that directory (a missing page is a 404), nothing goes to the network."""

    def __init__(self, root: Path, stats):
        if not root.is_dir():
            raise ValueError(f"NEWSBOT_REPLAY_DIR {root} is not a directory")
        self.root, self.stats = root, stats

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("NEWSBOT_REPLAY_DIR")
        if not root:
            raise NotConfigured
        middleware = cls(Path(root), crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider):
        logger.info("replaying from %s: no network requests will be made", self.root)

    def process_request(self, request, spider=None):
        response = response_for(self.root, request)
        self.stats.inc_value("newsbot/replay/served" if response.status == 200 else "newsbot/replay/missing")
        return response


class RecordError(ConfigError):
    """A page that could not be recorded (not an http(s) URL, an HTTP error): exit 1."""


class RecordUnreachable(SiteUnreachable):
    """A page whose host did not answer: exit 5."""


def record(url: str, root: str | Path, user_agent: str, host_map: dict[str, str] | None = None) -> Path:
    """Save a live page into fixtures, byte for byte, where replay will look for it.
    ``host_map`` (as NEWSBOT_HOST_MAP) downloads it from a mirror; it is saved under the
    real URL all the same."""
    source = mapped_url(host_map or {}, url) or url
    via = f" (from {source})" if source != url else ""
    if urlsplit(source).scheme not in ("http", "https"):
        raise RecordError(f"{url}: not an http(s) URL")
    request = urllib.request.Request(source, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (http(s) only)
            body = answer.read()
    except urllib.error.HTTPError as error:
        raise RecordError(f"{url}{via}: HTTP {error.code} {error.reason}; nothing saved") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RecordUnreachable(f"{url}{via}: could not download it ({reason}); nothing saved") from None
    path = fixture_path(root, url)
    write_atomic(path, body)
    return path
