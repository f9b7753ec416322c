"""The URLs of a body's links and images, as a browser would resolve them, and only with
the schemes a published post may carry (http(s), and mailto for links)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from newsbot.urls import join_url, safe_url

IMAGE_SRC_ATTRS = ("data-original", "data-src", "original", "src")
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})

# What lxml's HTML serialiser percent-encodes in href and src (libxml2 2.14): every byte of
# a non-ASCII character, space, DEL and the C0 controls; and leading " \t\n\r" it drops.
_SERIALISER_ESCAPES = re.compile(r"[^!-~]+")


# A URL of these characters only is what safe_url_string returns it as (most: one regex
# instead of its parse).
_SAFE_AS_IS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


def _percent_encoded(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match[0].encode())


def href_or_src(value: str | None) -> str | None:
    """An href or src attribute as the body's links and images read it: as lxml's HTML
    serialiser writes it (the body used to be written out and parsed again; its URLs
    stay as they were)."""
    if value and _SERIALISER_ESCAPES.search(value):  # (a leading blank is one of them)
        return _SERIALISER_ESCAPES.sub(_percent_encoded, value.lstrip(" \t\n\r"))
    return value


@lru_cache(maxsize=1024)  # the Markdown and the clean HTML ask about the same image URLs
def absolute_url(value: str | None, base_url: str, schemes=LINK_SCHEMES) -> str | None:
    """``value`` resolved against the page, if it is a URL with one of ``schemes``.

    urljoin drops the tabs and newlines browsers ignore too (``jav&#x09;ascript:``) and
    lowercases the scheme, so what is checked is what a browser would run. Not a URL at
    all (``Nucl. Phys. B 612 (2001) 25`` is fine, ``http://[x`` raises): no URL.
    """
    value = (value or "").strip()
    url = join_url(base_url, value) if value else None
    # (urljoin has parsed both URLs the result is made of: splitting it raises no more.)
    if url is None or urlsplit(url).scheme not in schemes:
        return None
    # As a browser sends it, and safe to write anywhere (the record, a feed's enclosure, a
    # post): spaces, quotes, '<', '>' and non-ASCII percent-encoded, the host in IDNA.
    return url if _SAFE_AS_IS.fullmatch(url) else safe_url(url)


def image_src(el: etree._Element, base_url: str) -> str | None:
    """The first usable image URL of an <img> (lazy-loading attributes first)."""
    for attr in IMAGE_SRC_ATTRS:
        value = el.get(attr)
        if value:  # (most images have one of the four)
            src = absolute_url(href_or_src(value) if attr == "src" else value, base_url, IMAGE_SCHEMES)
            if src:
                return src
    return None

