"""The write claim: of the workers that fetched one article, exactly one writes it."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from newsbot.errors import Dropped
from newsbot.storage.state import state_for_crawler
from newsbot.storage.state.base import SharedStateStore


class WriteClaimPipeline:
    """Right before the files are written: take the article's exactly-once write claim
    in Redis, or drop the item when another worker wrote it or is writing it."""

    def __init__(self, crawler):
        self.store = state_for_crawler(crawler)
        self.stats = crawler.stats
        if not isinstance(self.store, SharedStateStore):
            raise NotConfigured

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if not self.store.claim_write(item.urlname, rewrite=bool(item.revisit)):  # (a correction)
            self.stats.inc_value("newsbot/dropped/written_elsewhere")
            raise Dropped("written_elsewhere", f"{item.url} is written by another worker", log_level="DEBUG")
        return item
