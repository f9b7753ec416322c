"""Fleet-wide politeness: one per-host schedule in Redis, so N workers together fetch from a
host no faster than one worker would."""

from __future__ import annotations

import asyncio

from scrapy.exceptions import NotConfigured

from newsbot.cluster.worker import REDIS_FAILURES, stop_for_redis
from newsbot.storage.lua import lua_script
from newsbot.storage.names import cluster_url
from newsbot.urls import host_of


class GlobalPolitenessMiddleware:
    """Every worker sends a request to a host only at a moment it reserved in Redis, one
    per ``NEWSBOT_CLUSTER_HOST_INTERVAL`` seconds per host across the fleet (the
    single-worker ``DOWNLOAD_DELAY``). The wait is a timer, not a blocking sleep."""

    def __init__(self, crawler, server, interval: float):
        self.crawler = crawler
        self.server = server
        self.interval_ms = int(interval * 1000)
        self.reserve = server.register_script(lua_script(__package__, "reserve"))

    @classmethod
    def from_crawler(cls, crawler):
        from newsbot.storage.state.connection import connect_for

        interval = crawler.settings.getfloat("NEWSBOT_CLUSTER_HOST_INTERVAL")
        if not cluster_url(crawler.settings) or interval <= 0:
            raise NotConfigured
        return cls(crawler, connect_for(crawler.settings, crawler.settings["REDIS_URL"]), interval)

    async def process_request(self, request, spider=None):
        host = host_of(request.url)  # the real host, before NEWSBOT_HOST_MAP rewrites it
        try:
            wait_ms = self.reserve(keys=[f"newsbot:host:{host}"], args=[self.interval_ms])
        except REDIS_FAILURES as exc:  # the run stops (exit 6); this request is in flight, recovered
            stop_for_redis(self.crawler, exc)
            return None
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return None
