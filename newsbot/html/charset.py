"""Chinese pages whose charset is missing or wrong: decode them right.

Scrapy decodes an HTML page with the charset of its Content-Type header, else of its
``<meta>``, else it guesses among UTF-8 and cp1252, so GBK bytes without a declaration
came out as mojibake, and GBK bytes declared as UTF-8 as replacement characters.
``repair`` checks the bytes: when they are not valid in the declared (or assumed UTF-8)
charset but are valid GB18030 (a superset of GBK and GB2312), the page is decoded as
GB18030; when a page declares GBK/GB2312 but its bytes are UTF-8 (a browser-saved page
keeps the server's ``<meta>`` and writes UTF-8), as UTF-8. The downloader middleware
(``newsbot.crawl.middlewares.charset``) applies it to every crawled page; ``newsbot.extract``
applies the same decision to a saved page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

_GB = ("gb18030", "gbk", "gb2312", "cp936")


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _mostly_utf8(body: bytes) -> bool:
    """Valid UTF-8 but for a stray broken sequence or two (GBK text breaks everywhere)."""
    bad = body.decode("utf-8", "replace").count("\ufffd")
    return bad <= 3 and bad * 1000 < len(body)


def _has_multibyte_utf8(body: bytes) -> bool:
    """UTF-8 with non-ASCII text in it: valid GBK bytes almost never also decode as UTF-8."""
    return _decodes(body, "utf-8") and any(b >= 0x80 for b in body)


@dataclass(frozen=True)
class Repair:
    encoding: str  # the charset the page is to be decoded with
    declared: str | None  # what the header or <meta> said (None: nothing)

    @property
    def kind(self) -> str:
        return "wrong" if self.declared else "missing"


def body_declared_encoding(body: bytes) -> str | None:
    """``html_body_declared_encoding``: the charset a page's <meta> declares. It is asked
    twice of each page, by ``repair`` and by ``pages.page_input.page_encoding``, and
    scans up to 4 KB with a regex each time: the answer for the last pages is kept."""
    return _declared_in(body[:4096])  # (all it reads; a short key to hash)


@lru_cache(maxsize=4)
def _declared_in(head: bytes) -> str | None:
    return html_body_declared_encoding(head)


def repair(body: bytes, content_type: str | None = None) -> Repair | None:
    """The charset to decode ``body`` with instead of the declared one, or None when the
    declaration (or Scrapy's guess) is right."""
    if not body:
        return None
    declared = http_content_type_encoding(content_type or "") or body_declared_encoding(body)
    encoding = resolve_encoding(declared) if declared else None
    if encoding in _GB and _has_multibyte_utf8(body):
        return Repair("utf-8", declared)  # declared GBK, but the bytes are UTF-8
    if encoding == "gb18030" or _decodes(body, encoding or "utf-8"):
        return None
    if encoding in (None, "utf-8") and _mostly_utf8(body):
        return None  # a UTF-8 page with a few broken bytes stays UTF-8
    if not _decodes(body, "gb18030"):
        return None
    return Repair("gb18030", declared)


def content_type_of(headers) -> str:
    """The Content-Type header as text, from Scrapy headers or a plain dict."""
    if not headers:
        return ""
    value = headers.get("Content-Type") or headers.get(b"Content-Type") or b""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else b""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)

