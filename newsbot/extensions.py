"""Run report: every crawl ends with a summary in the log and as JSON beside the output,
and with an alarm (ERROR lines, ``alarms`` in the report, exit code 4) when the site's
layout has probably changed: a column whose first list page lists no articles, or more
than ``NEWSBOT_ALARM_MAX_BROKEN_SHARE`` of the article pages without a title, a date or a
body. (Two checks on stats the crawl already keeps: spidermon's monitor suites would add
a dependency and still need newsbot's crawl command for the exit code.)"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals

from .formats import write_atomic

logger = logging.getLogger(__name__)


BROKEN = ("newsbot/dropped/no_title", "newsbot/dropped/no_body", "newsbot/missing/published")


def alarms(stats: dict, empty_columns, max_broken_share: float) -> list[str]:
    found = [f"column {column} lists no articles on its first page" for column in empty_columns]
    pages = stats.get("newsbot/article_pages", 0)
    broken = sum(stats.get(key, 0) for key in BROKEN)
    if pages and broken / pages > max_broken_share:
        found.append(f"{broken} of {pages} article pages lack a title, a date or a body "
                     f"(more than {max_broken_share:.0%})")
    return found


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
        stats = self.crawler.stats.get_stats()
        report = summarise(stats, spider.name, reason)
        share = self.crawler.settings.getfloat("NEWSBOT_ALARM_MAX_BROKEN_SHARE", 0.2)
        report["alarms"] = alarms(stats, getattr(spider, "empty_columns", ()), share)
        self.crawler.newsbot_report = report
        self.crawler.newsbot_alarms = report["alarms"]  # exit code 4 (newsbot.commands.crawl)
        for alarm in report["alarms"]:
            logger.error("ALARM: %s: the site's layout may have changed", alarm)
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
