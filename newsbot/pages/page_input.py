"""What a page object reads: one fetched page as URL, bytes and headers, the charset it is
decoded with (decided once, here) and its lxml tree (parsed once, on first use).

Page objects (``ArticlePage``, ``ListPage``) are built from a ``PageInput``, so they are
read and tested without a crawler; the crawl turns a Scrapy response into one
(``newsbot.crawl.responses.page_input``), ``newsbot extract`` and the tests make one from a
saved page's bytes. The charset is decided by Scrapy's rules, written here with w3lib's
public functions (which Scrapy uses): a charset the caller settled on, else the BOM, the
Content-Type header, the page's ``<meta>``, else a guess (ASCII, UTF-8, charset_normalizer);
given no charset, the Chinese charset repair (``newsbot.html.charset.repair``) runs first,
as the crawl's charset middleware does.
"""

from __future__ import annotations

import codecs
import logging
from functools import cached_property

from lxml import etree
from parsel.selector import create_root_node
from w3lib.encoding import html_to_unicode, http_content_type_encoding, read_bom, resolve_encoding
from w3lib.html import get_base_url

from newsbot.html.charset import body_declared_encoding, repair
from newsbot.html.tree import MAX_DEPTH, flatten_deep
from newsbot.text import bytes_without_controls, without_controls
from newsbot.urls import join_url

logger = logging.getLogger(__name__)


def plain_headers(headers) -> dict[str, str]:
    """Headers as ``{lower-case name: value}``, from a dict of str or bytes (a value may be a
    list: its last, as Scrapy's ``Headers.get`` reads it) or Scrapy's ``Headers``."""
    plain = {}
    for name, value in (headers or {}).items():
        if isinstance(value, (list, tuple)):
            if not value:
                continue
            value = value[-1]
        name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        plain[name.lower()] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return plain


def _guess_encoding(body: bytes) -> str | None:
    """What Scrapy guesses for a page that declares no charset: ASCII (read as cp1252),
    UTF-8, else charset_normalizer's best."""
    for encoding in ("ascii", "utf-8"):
        try:
            body.decode(encoding)
        except UnicodeError:
            continue
        return resolve_encoding(encoding)
    from charset_normalizer import from_bytes

    match = from_bytes(body).best()
    return resolve_encoding(match.encoding) if match else None


def page_encoding(body: bytes, content_type: str, encoding: str | None = None) -> str:
    """The charset a page is decoded with (Scrapy's ``TextResponse.encoding``): ``encoding``
    when given, else the BOM's, the header's, the ``<meta>``'s, else a guess."""
    declared = (encoding or read_bom(body)[0] or http_content_type_encoding(content_type)
                or body_declared_encoding(body))
    if declared:
        return declared
    return html_to_unicode(content_type, body, auto_detect_fun=_guess_encoding, default_encoding="ascii")[0]


class PageInput:
    """One fetched page. ``body``: its bytes, control characters replaced (libxml2 keeps a
    Word paste's \\x0b in the page's text, and lxml then refused any text built from it:
    the article was lost); ``encoding``: the charset decided from the bytes as they came."""

    def __init__(self, url: str, body: bytes, headers=None, encoding: str | None = None):
        self.url = url
        self.headers = plain_headers(headers)
        content_type = self.headers.get("content-type", "")
        if encoding is None:  # (the crawl's charset middleware decided it already)
            fix = repair(body, content_type)
            encoding = fix.encoding if fix else None
        self.encoding = page_encoding(body, content_type, encoding)
        self.utf8 = codecs.lookup(self.encoding).name == "utf-8"
        # (In UTF-16/32 and ISO-2022 those bytes are parts of characters, not controls.)
        if not any(wide in self.encoding for wide in ("16", "32", "2022")):
            body = bytes_without_controls(body, utf8=self.utf8)
        self.body = body

    @cached_property
    def text(self) -> str:
        """The page decoded (as Scrapy's ``response.text``)."""
        return html_to_unicode(f"charset={self.encoding}", self.body)[1]

    @cached_property
    def root(self) -> etree._Element:
        """The page's lxml tree, as parsel builds it, with plain lxml elements (lxml.html's
        parser asks a Python function for the class of every element Python touches, and
        reading an article touches each element of its body several times). A UTF-8 page
        (most) is parsed from its bytes: libxml2 decodes them, rather than the page being
        decoded, stripped and encoded again first (parsel falls back to the text for bytes
        that are not UTF-8 after all)."""
        if self.utf8:
            root = create_root_node("", etree.HTMLParser, base_url=self.url, body=self.body, encoding="utf-8")
        else:
            # (UTF-16 or ISO-2022 bytes kept their controls: the text loses them.)
            root = create_root_node(without_controls(self.text), etree.HTMLParser, base_url=self.url)
        if flatten_deep(root):
            logger.warning("%s: markup nested more than %d levels deep, unwrapped below that", self.url, MAX_DEPTH)
        return root

    @cached_property
    def base_url(self) -> str:
        """What the page's links are relative to: its ``<base href>``, else its URL (w3lib's
        reading, as Scrapy's ``response.urljoin``)."""
        return get_base_url(self.text[:4096], self.url, self.encoding)

    def urljoin(self, href: str) -> str | None:
        """``href`` as an absolute URL (the page's ``<base href>`` honoured); None for an href
        that is no URL at all (``newsbot.urls.join_url``)."""
        return join_url(self.base_url, href)
