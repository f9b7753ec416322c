"""GBK/GB18030 pages with a missing or wrong charset, decoded right as they arrive
(``newsbot.html.charset`` decides; a log line and ``newsbot/charset/{missing,wrong}`` count it)."""

from __future__ import annotations

import logging

from scrapy.http import HtmlResponse

from newsbot.html.charset import content_type_of, repair

logger = logging.getLogger(__name__)


class ChineseCharsetMiddleware:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if not isinstance(response, HtmlResponse):
            return response
        fix = repair(response.body, content_type_of(response.headers))
        if fix is None:
            return response
        self.stats.inc_value(f"newsbot/charset/{fix.kind}")
        logger.warning("%s: charset %s but the bytes are %s; decoding them as %s", response.url,
                       f"declared {fix.declared}" if fix.declared else "not declared",
                       fix.encoding.upper(), fix.encoding.upper())
        return response.replace(encoding=fix.encoding)
