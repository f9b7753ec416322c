"""Run report: every crawl ends with a summary in the log and as JSON beside the output."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals

from .formats import write_atomic

logger = logging.getLogger(__name__)


def summarise(stats: dict, spider_name: str, reason: str) -> dict:
    start, finish = stats.get("start_time"), stats.get("finish_time") or datetime.now(timezone.utc)
    prefix = "newsbot/dropped/"
    return {
        "spider": spider_name,
        "finish_reason": reason,
        "started": start.isoformat() if start else None,
        "duration_seconds": round((finish - start).total_seconds(), 3) if start else None,
        "new": stats.get("newsbot/written", 0),
        "already_known": stats.get("newsbot/links_known", 0) + stats.get(prefix + "already_written", 0),
        "dropped": {k[len(prefix):]: v for k, v in sorted(stats.items()) if k.startswith(prefix) and k != prefix + "already_written"},
        "list_pages": stats.get("newsbot/list_pages", 0),
        "article_pages": stats.get("newsbot/article_pages", 0),
        "requests": stats.get("downloader/request_count", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "http_errors": {k.rsplit("/", 1)[-1]: v for k, v in sorted(stats.items())
                        if k.startswith("downloader/response_status_count/") and not k.endswith("/200")},
        "download_exceptions": stats.get("downloader/exception_count", 0),
        "stats": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in sorted(stats.items())},
    }


class RunReport:
    def __init__(self, crawler):
        self.crawler = crawler
        self.output = Path(crawler.settings.get("NEWSBOT_OUTPUT_DIR", "output"))

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        report = summarise(self.crawler.stats.get_stats(), spider.name, reason)
        self.crawler.newsbot_report = report
        logger.info(
            "run summary: %d new, %d already known, dropped %s, %d errors, %.1fs (%s)",
            report["new"], report["already_known"], report["dropped"] or "none", report["errors"],
            report["duration_seconds"] or 0, reason,
        )
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        folder = self.output / "reports"
        write_atomic(folder / f"{spider.name}-{stamp}.json", text)
        write_atomic(folder / f"{spider.name}-latest.json", text)
