"""Scrapy's log lines, with an output error met by an item or a callback as a DEBUG line:
its cause is logged once, by ``stop_for_output_error`` (which stops the run, exit 6), not
once per article in flight with a traceback each (a Redis server gone mid-run, a full disk)."""

from __future__ import annotations

import logging

from scrapy import logformatter

from newsbot.errors import OutputError


class LogFormatter(logformatter.LogFormatter):
    def item_error(self, item, exception, response, spider=None):
        entry = super().item_error(item, exception, response, spider)
        if isinstance(exception, OutputError):
            entry["level"] = logging.DEBUG
        return entry

    def spider_error(self, failure, request, response, spider=None):
        entry = super().spider_error(failure, request, response, spider)
        if failure.check(OutputError):
            entry["level"] = logging.DEBUG
        return entry
