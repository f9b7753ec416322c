"""Scrapy's stats collector, whose dump at the end of the log shows its times (start_time,
finish_time) as newsbot shows every time: in the sites' zone with the offset, whole
seconds (newsbot.dates), not ``datetime.datetime(…, 412337, tzinfo=…utc)``."""

from __future__ import annotations

import pprint
from datetime import datetime

from scrapy.statscollectors import MemoryStatsCollector

from newsbot.dates import operator_iso


class SiteTimeStats(MemoryStatsCollector):
    def __str__(self) -> str:
        return pprint.pformat({k: (operator_iso(v) if isinstance(v, datetime) else v) for k, v in self._stats.items()})
