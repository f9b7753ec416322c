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

from newsbot.crawl.failures import UNREACHABLE
from newsbot.dates import SHANGHAI, human_duration, operator_iso, operator_time
from newsbot.errors import EXIT_ALARM, EXIT_CONFIG, EXIT_OUTPUT, EXIT_UNREACHABLE
from newsbot.publish.status import failed_in_words
from newsbot.secrets import public
from newsbot.storage.files import write_atomic
from newsbot.storage.names import report_name
from newsbot.storage.state import state_for_crawler
from newsbot.storage.state.base import FailedArticle

logger = logging.getLogger(__name__)




def alarms(stats: dict, spider, max_broken_share: float, min_failed: int = 2) -> list[tuple[int, str]]:
    """(exit code, cause) of every alarm this run raises. Failures are judged on the
    articles this run saw for the first time: one permanently broken article, retried
    by every run, raises no alarm after its first (and its last, when given up)."""
    found = []
    if stats.get("newsbot/output_error"):
        found.append((EXIT_OUTPUT, "the output cannot be written: "
                      + str(getattr(spider.crawler, "newsbot_output_error", "see the log"))))
    list_errors = stats.get("newsbot/list_errors", 0)
    unreachable = sum(stats.get(f"newsbot/list_errors/{r}", 0) for r in UNREACHABLE)
    if list_errors and not stats.get("newsbot/list_pages", 0) and unreachable == list_errors:
        found.append((EXIT_UNREACHABLE, f"the site is unreachable: all {list_errors} list page requests failed "
                      f"(DNS, refused or timed out)"))
    for host, why in sorted(getattr(getattr(spider, "crawler", None), "newsbot_robots_unavailable", {}).items()):
        # RFC 9309: a robots.txt that cannot be read disallows the whole host.
        code = EXIT_ALARM if why.startswith("answered") else EXIT_UNREACHABLE
        found.append((code, f"robots.txt of {host} {why}: nothing was fetched from {host} this run"))
    found += [(EXIT_ALARM, f"column {column} lists no articles on its first page")
              for column in getattr(spider, "empty_columns", ())]
    found += [(EXIT_ALARM, f"column {column}") for column in getattr(spider, "broken_columns", ())]
    # A cluster worker: what the crawl leaves that no live worker will do (newsbot.cluster.worker).
    found += [(EXIT_ALARM, cause) for cause in getattr(getattr(spider, "crawler", None), "newsbot_cluster_alarms", ())]
    pages = stats.get("newsbot/article_pages/new", 0)
    broken = stats.get("newsbot/failed_articles/new", 0) + stats.get("newsbot/missing/published", 0)
    if pages and broken >= min_failed and broken / pages > max_broken_share:
        found.append((EXIT_ALARM, f"{broken} of {pages} new article pages failed or lack a title, a date or "
                      f"a body (more than {max_broken_share:.0%})"))
    exceptions = stats.get("spider_exceptions/count", 0)
    if exceptions:  # a bug, or a page that breaks the parser: what it listed was not crawled
        names = ", ".join(sorted(k.rsplit("/", 1)[-1] for k in stats
                                 if k.startswith("spider_exceptions/") and k != "spider_exceptions/count"))
        found.append((EXIT_ALARM, f"{exceptions} page(s) raised an exception in the spider ({names}); what they "
                      f"list was not crawled: see the log's tracebacks"))
    given_up = stats.get("newsbot/given_up", 0)
    if given_up:
        found.append((EXIT_ALARM, f"gave up on {given_up} article(s) after repeated failures: "
                      f"`newsbot failed` lists them, `newsbot failed --requeue` retries them"))
    return found


def summarise(stats: dict, spider_name: str, reason: str) -> dict:
    start, finish = stats.get("start_time"), stats.get("finish_time") or datetime.now(timezone.utc)
    prefix = "newsbot/dropped/"
    seconds = (finish - start).total_seconds() if start else None
    return {
        "spider": spider_name,
        "finish_reason": reason,
        # Times in the sites' zone with the offset (newsbot.dates: one convention).
        "started": operator_iso(start),
        "finished": operator_iso(finish),
        "duration_seconds": round(seconds, 3) if seconds is not None else None,
        "duration": human_duration(seconds) if seconds is not None else None,
        "new": stats.get("newsbot/written", 0),
        # Written articles fetched again for corrections (newsbot.crawl.revisits).
        "revisits": {outcome: stats.get(f"newsbot/revisits/{outcome}", 0)
                     for outcome in ("checked", "unchanged", "corrected", "failed")},
        "already_known": stats.get("newsbot/links_known", 0) + stats.get(prefix + "already_written", 0),
        # Articles this crawl does not want (eastmoney: other outlets), remembered so
        # later runs do not fetch them again.
        "skipped": stats.get("newsbot/skipped", 0),
        "dropped": {k[len(prefix):]: v for k, v in sorted(stats.items()) if k.startswith(prefix) and k != prefix + "already_written"},
        "list_pages": stats.get("newsbot/list_pages", 0),
        "article_pages": stats.get("newsbot/article_pages", 0),
        "requests": stats.get("downloader/request_count", 0),
        # Pages that did not arrive or could not be read, by reason: the same figure as
        # the newsbot/errors stats below (a missing robots.txt is not one).
        "errors": stats.get("newsbot/errors", 0),
        "errors_by_reason": {k.rsplit("/", 1)[-1]: v for k, v in sorted(stats.items())
                             if k.startswith("newsbot/errors/")},
        # This run's failed articles: not written, or written with an image to retry
        # (images_failed); each is fetched again after a backoff, or was given up on.
        "failed_articles": stats.get("newsbot/failed_articles", 0),
        "failed_by_reason": {k.rsplit("/", 1)[-1]: v for k, v in sorted(stats.items())
                             if k.startswith("newsbot/failed_reason/")},
        "retried": stats.get("newsbot/retried", 0),
        "given_up": stats.get("newsbot/given_up", 0),
        "http_errors": {k.rsplit("/", 1)[-1]: v for k, v in sorted(stats.items())
                        if k.startswith("downloader/response_status_count/") and not k.endswith("/200")},
        "download_exceptions": stats.get("downloader/exception_count", 0),
        "spider_exceptions": stats.get("spider_exceptions/count", 0),
        "stats": {k: (operator_iso(v) if isinstance(v, datetime) else v) for k, v in sorted(stats.items())},
    }


def failed_for_operator(failed: FailedArticle) -> dict:
    """A failed article of the state as the report and ``newsbot failed --json`` show it:
    its times in the one convention (ISO 8601, +08:00), not Unix seconds."""
    return {k: (operator_iso(v) if k in ("last_failed", "next_attempt") else v) for k, v in failed.as_dict().items()}


def failed_summary(failed: list[FailedArticle]) -> str:
    """The state's failed articles (``store.failures``) in the status page's words."""
    given_up = sum(1 for f in failed if f.given_up)
    return failed_in_words(len(failed) - given_up, given_up)


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
        settings = self.crawler.settings
        raised = alarms(stats, spider, settings.getfloat("NEWSBOT_ALARM_MAX_BROKEN_SHARE", 0.2),
                        settings.getint("NEWSBOT_ALARM_MIN_FAILED", 2))
        sites = [site.name for site in getattr(spider, "sites", ())]
        store = getattr(self.crawler, "_newsbot_store", None) or state_for_crawler(self.crawler)
        try:
            failed = store.failures(sites)
            report["failed"] = [failed_for_operator(f) for f in failed[:200]]
            report["failed_in_state"] = len(failed)  # what `newsbot failed` lists
            report["waiting_for_retry"] = sum(1 for f in failed if not f.given_up)
            report["given_up_in_state"] = len(failed) - report["waiting_for_retry"]
            report["failed_summary"] = failed_summary(failed)
        except Exception as exc:  # noqa: BLE001 - a report without the list beats no report
            logger.warning("could not read the failed articles from the state: %s", exc)
        folder = self.output / "reports"
        name = report_name(self.crawler.settings, spider.name)  # one per worker in a cluster
        self._finish(spider, report, raised, where=(self.output.resolve(), (folder / f"{name}-latest.json").resolve()))
        stamp = datetime.now(SHANGHAI).strftime("%Y%m%dT%H%M%S%z")  # 20230308T090005+0800
        # The status page links to the report, and is meant to be served: no secret, no
        # server path in it (the log, which is private, says where the files are).
        text = public(json.dumps(report, ensure_ascii=False, indent=2) + "\n", self.output)
        try:
            write_atomic(folder / f"{name}-{stamp}.json", text)
            write_atomic(folder / f"{name}-latest.json", text)
        except OSError as exc:
            cause = f"the run report cannot be written to {folder}: {exc.strerror or exc}"
            logger.error("ALARM: %s", cause)
            self._set(report, [*raised, (EXIT_OUTPUT, cause)])

    def _set(self, report, raised) -> None:
        report["alarms"] = [cause for _, cause in raised]
        report["exit_code"] = max((code for code, _ in raised), default=0)
        self.crawler.newsbot_report = report
        self.crawler.newsbot_alarms = report["alarms"]
        self.crawler.newsbot_exit_code = report["exit_code"]  # newsbot.crawl.commands.crawl

    def _finish(self, spider, report, raised, where) -> None:
        self._set(report, raised)
        for _, cause in raised:
            logger.error("ALARM: %s", cause)
        logger.info("run summary: %s; files in %s, report %s", summary_line(report), *where)


def summary_line(report: dict) -> str:
    """The run in one line: this run's counts, then the state's failed articles in the
    words of ``newsbot failed``, then how long it took."""
    failed = report["failed_articles"]
    reasons = ", ".join(f"{reason} {n}" for reason, n in report.get("failed_by_reason", {}).items())
    dropped = ", ".join(f"{reason} {n}" for reason, n in report["dropped"].items()) or "none"
    revisits = report.get("revisits") or {}
    corrected = (f"{revisits.get('corrected', 0)} corrected of {revisits['checked']} revisited, "
                 if revisits.get("checked") else "")
    return (f"{report['new']} new, {corrected}{report['already_known']} already known, {report.get('skipped', 0)} skipped, "
            f"dropped {dropped}, {report['errors']} errors; this run {failed} failed article(s)"
            + (f" ({reasons})" if reasons else "") + f", {report['given_up']} given up; "
            + report.get("failed_summary", "failed articles in the state unknown")
            + f"; took {report.get('duration') or human_duration(report['duration_seconds'] or 0)} "
            f"(started {operator_time(report['started'])}, {report['finish_reason']})")


EXIT_NO_REPORT = EXIT_CONFIG  # as the crawl's "could not start": no finished run to speak of


def report_status(output: str | Path, spider: str, worker: str | None = None) -> tuple[int, str]:
    """The exit code and a one-line summary of the spider's last finished run, from
    ``{output}/reports/{spider}-latest.json`` (a cluster worker's: ``{spider}.{worker}-…``):
    what ``scrapy crawl`` would have exited with. scrapyd keeps no exit code, so this is
    how an operator (or a monitor) sees an alarm."""
    name = f"{spider}.{worker}" if worker else spider
    path = Path(output) / "reports" / f"{name}-latest.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return EXIT_NO_REPORT, f"{name}: no run report at {path} (the job has not finished, or never ran)"
    except (OSError, ValueError) as exc:
        return EXIT_NO_REPORT, f"{name}: unreadable run report {path}: {exc}"
    alarms = report.get("alarms") or []
    code = report.get("exit_code")
    if not isinstance(code, int):
        code = EXIT_ALARM if alarms else 0
    summary = (f"{name}: exit {code} ({report.get('finish_reason')}, took {human_duration(report.get('duration_seconds'))}, "
               f"started {operator_time(report.get('started')) or 'unknown'}): {report.get('new', 0)} new, "
               f"{report.get('errors', 0)} errors")
    return code, "\n".join([summary, *(f"ALARM: {alarm}" for alarm in alarms)])
