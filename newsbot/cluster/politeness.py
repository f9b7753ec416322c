"""Fleet-wide politeness: one per-host schedule in Redis, so N workers together fetch from a
host no faster than one worker would."""

from __future__ import annotations

import asyncio

from scrapy.exceptions import NotConfigured

from newsbot.storage.names import cluster_url
from newsbot.urls import host_of

# Reserve the host's next free moment (the Redis server's clock, shared by all machines):
# returns how many milliseconds to wait before sending.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], slot + interval, 'PX', interval + 60000)
return slot - now
"""


class GlobalPolitenessMiddleware:
    """Every worker sends a request to a host only at a moment it reserved in Redis, one
    per ``NEWSBOT_CLUSTER_HOST_INTERVAL`` seconds per host across the fleet (the
    single-worker ``DOWNLOAD_DELAY``). The wait is a timer, not a blocking sleep."""

    def __init__(self, server, interval: float):
        self.server = server
        self.interval_ms = int(interval * 1000)
        self.reserve = server.register_script(RESERVE)

    @classmethod
    def from_crawler(cls, crawler):
        from newsbot.storage.state.connection import connect_for

        interval = crawler.settings.getfloat("NEWSBOT_CLUSTER_HOST_INTERVAL")
        if not cluster_url(crawler.settings) or interval <= 0:
            raise NotConfigured
        return cls(connect_for(crawler.settings, crawler.settings["REDIS_URL"]), interval)

    async def process_request(self, request, spider=None):
        host = host_of(request.url)  # the real host, before NEWSBOT_HOST_MAP rewrites it
        wait_ms = self.reserve(keys=[f"newsbot:host:{host}"], args=[self.interval_ms])
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return None
