"""Chinese pages whose charset is missing or wrong: decode them right.

Scrapy decodes an HTML page with the charset of its Content-Type header, else of its
``<meta>``, else it guesses among UTF-8 and cp1252, so GBK bytes without a declaration
came out as mojibake, and GBK bytes declared as UTF-8 as replacement characters. This
downloader middleware checks the bytes: when they are not valid in the declared (or
assumed UTF-8) charset but are valid GB18030 (a superset of GBK and GB2312), the page is
decoded as GB18030, with a log line and ``newsbot/charset/{missing,wrong}`` counted.
"""

from __future__ import annotations

import logging

from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

logger = logging.getLogger(__name__)


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


class ChineseCharsetMiddleware:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if not isinstance(response, HtmlResponse) or not response.body:
            return response
        header = response.headers.get("Content-Type", b"").decode("latin-1")
        declared = http_content_type_encoding(header) or html_body_declared_encoding(response.body)
        encoding = resolve_encoding(declared) if declared else None
        if encoding == "gb18030" or _decodes(response.body, encoding or "utf-8"):
            return response
        if encoding in (None, "utf-8") and _mostly_utf8(response.body):
            return response  # a UTF-8 page with a few broken bytes stays UTF-8
        if not _decodes(response.body, "gb18030"):
            return response
        kind = "wrong" if declared else "missing"
        self.stats.inc_value(f"newsbot/charset/{kind}")
        logger.warning("%s: charset %s but the bytes are GB18030; decoding them as GB18030",
                       response.url, f"declared {declared}" if declared else "not declared")
        return response.replace(encoding="gb18030")
