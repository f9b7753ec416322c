"""The one place where an article URL becomes its identity.

docs/format.md: one canonical URL = one hash = one output file = one JSONL record, across runs;
``http://`` and ``https://`` forms of one page are one article.
"""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that say how a reader arrived, not which page it is.
TRACKING_PARAMS = frozenset(
    {
        "spm", "from", "source", "share", "share_token", "sharer", "scene", "clicktime",
        "enterid", "isappinstalled", "wfr", "fbclid", "gclid", "mc_cid", "mc_eid",
        "_hsenc", "_hsmi", "ref", "ref_src", "timestamp", "nsukey",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=4096)  # a crawl asks for each article's twice: listed, then written
def canonical_url(url: str, scheme: str = "https") -> str:
    """Return the canonical form of an article URL.

    ``scheme`` is the scheme every http(s) URL is written with: the site's preferred one
    (https for news.nankai.edu.cn, whose seed 000 hash is of the https form).
    """
    url = safe_url_string(url.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"URL has a bad port: {url!r}") from exc
    netloc = host
    if port and port not in DEFAULT_PORTS.values():
        netloc = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith("utm_")
    ]
    query.sort()
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def join_url(base: str, href: str) -> str | None:
    """``href`` (stripped) resolved against ``base``; None for an href that is no URL at all
    (``http://[Nucl. Phys. B 612 (2001) 25]``, a citation pasted as a link), on which
    urljoin raises: one such link must not lose the page it stands on."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def surely_joinable(base: str, href: str) -> bool:
    """Does ``join_url(base, href)`` surely give a URL? Told without joining: urljoin raises
    only on a host with '[' or ']' (an IPv6 address) or with non-ASCII characters (NFKC
    normalisation), so ASCII strings without brackets always join."""
    return base.isascii() and href.isascii() and "[" not in base + href and "]" not in base + href


def safe_url(url: str) -> str | None:
    """``url`` as a browser sends it, safe to write anywhere (w3lib's safe_url_string:
    spaces, quotes, '<', '>' and non-ASCII percent-encoded, the host in IDNA); None for a
    URL it cannot read (``http://javascript: /a``: no port a URL can have)."""
    try:
        return safe_url_string(url)
    except ValueError:
        return None


def url_hash(canonical: str) -> str:
    """``urlname``/``slug``: lowercase hex MD5 of the canonical URL's UTF-8 bytes."""
    return hashlib.md5(canonical.encode("utf-8")).hexdigest()


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
