"""Serve a site from another address (a test server or a staging mirror).

``NEWSBOT_HOST_MAP = {"news.nankai.edu.cn": "http://127.0.0.1:8080"}``: a request for
``https://news.nankai.edu.cn/ywsd/index.shtml`` is downloaded from
``http://127.0.0.1:8080/ywsd/index.shtml``. Only the download goes elsewhere: the request
and its response carry the real site's URL everywhere else (spider, offsite and robots.txt
rules, redirects, article identity), so a mirrored crawl writes exactly what a live one
would. The rewrite happens last before the network and is undone first on the way back.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from scrapy.exceptions import NotConfigured

from newsbot.crawl.scrapy_private import set_url

META_KEY = "newsbot_real_url"


def mapped_url(host_map: dict[str, str], url: str) -> str | None:
    """Where to download ``url`` from, or None when its host is not mapped."""
    parts = urlsplit(url)
    base = _split_bases(tuple(host_map.items())).get((parts.hostname or "").lower())
    if base is None:
        return None
    path = base.path.rstrip("/") + (parts.path or "/")
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


@lru_cache(maxsize=8)
def _split_bases(host_map: tuple) -> dict:
    return {host.lower(): urlsplit(base) for host, base in host_map}


class HostMapMiddleware:
    def __init__(self, host_map: dict[str, str]):
        self.host_map = _split_bases(tuple(host_map.items()))
        self.bases = dict(host_map)

    @classmethod
    def from_crawler(cls, crawler):
        host_map = crawler.settings.getdict("NEWSBOT_HOST_MAP")
        if not host_map:
            raise NotConfigured
        return cls(host_map)

    def process_request(self, request, spider=None):
        target = mapped_url(self.bases, request.url)
        if target is not None:
            request.meta[META_KEY] = request.url
            set_url(request, target)  # in place: the same Request object comes back to us

    def _restore(self, request):
        real = request.meta.pop(META_KEY, None)
        if real is not None:
            set_url(request, real)
        return real

    def process_response(self, request, response, spider=None):
        real = self._restore(request)
        if real is None:
            return response
        location = response.headers.get("Location")
        if location:  # a redirect to the mirror itself means the same path on the real site
            for host, base in self.host_map.items():
                prefix = urlunsplit((base.scheme, base.netloc, base.path.rstrip("/"), "", ""))
                text = location.decode("latin-1")
                if text.startswith(prefix + "/"):
                    response.headers["Location"] = f"{urlsplit(real).scheme}://{host}{text[len(prefix):]}"
                    break
        # In place, as the request's: the response is the downloader's own, and no other
        # middleware has seen it yet (a replace() per page cost more than the rewrite).
        set_url(response, real)
        return response

    def process_exception(self, request, exception, spider=None):
        self._restore(request)
