"""One clock, one truth (issue 19, point 8): every time an operator reads (the log, the run
report, the status page, ``newsbot failed``, ``newsbot status``) is the sites' time
labelled +08:00, whatever the server's zone; durations read as durations; the run summary,
the report, the status page and ``newsbot failed`` count failed articles alike (an article
written with an image to retry is a failed article waiting for a retry) and skipped ones."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from lxml import html as lxml_html

from newsbot.dates import human_duration, operator_iso, operator_time

from .conftest import FIXTURES, ROOT, crawl, crawl_command
from .test_images import ONE, TWO, images_site, page_images  # noqa: F401 - images_site is a fixture

# Not the sites' zone, and not UTC: a time in the machine's zone would show.
FOREIGN = {**os.environ, "TZ": "America/New_York"}
# A date and a time of day, as any of the operator's texts could show one ...
TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?P<offset>Z| ?[+-]\d{2}:?\d{2})?")


def unlabelled(text: str) -> list[str]:
    """... each of which must carry the sites' offset (and no fraction of a second)."""
    return [m.group(0) for m in TIME.finditer(text) if m.group("offset") not in (" +08:00", "+08:00", " +0800")
            or "." in m.group(0)]


def newsbot(*args):
    return subprocess.run([sys.executable, "-m", "newsbot.cli", *map(str, args)], cwd=ROOT, env=FOREIGN,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_one_run_with_failing_images_reads_the_same_in_summary_report_status_page_and_newsbot_failed(
        images_site, tmp_path):
    from .httpsite import Fault

    for image in page_images(ONE) + page_images(TWO):
        images_site.faults[image] = Fault(status=500)
    before = datetime.now(timezone.utc)
    done = subprocess.run(crawl_command("nankai", tmp_path, "-s", "NEWSBOT_IMAGES=local", site=images_site),
                          cwd=ROOT, env=FOREIGN, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "reports" / "nankai-latest.json").read_text(encoding="utf-8"))

    # The counts: two articles written with an image to retry are two failed articles.
    assert (report["new"], report["failed_articles"], report["failed_by_reason"]) == (27, 2, {"images_failed": 2})
    assert report["failed_in_state"] == report["waiting_for_retry"] == len(report["failed"]) == 2
    words = "2 failed article(s) in the state: 2 waiting for a retry, 0 given up"
    [summary] = [line for line in done.stderr.splitlines() if "run summary:" in line]
    assert "this run 2 failed article(s) (images_failed 2), 0 given up; " + words in summary
    listed = newsbot("failed", "--output", tmp_path)
    assert listed.returncode == 0 and listed.stderr.strip() == words == report["failed_summary"]
    assert sorted(line.split()[-1] for line in listed.stdout.splitlines()) == sorted(f["url"] for f in report["failed"])
    page = lxml_html.fromstring((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert page.xpath("string(//p[@class='failed-count'])") == words
    assert len(page.xpath("//table[@class='failed']//tr[td]")) == 2

    # The times: the same instants everywhere, in +08:00, whatever the machine's zone.
    started = datetime.fromisoformat(report["started"])
    assert report["started"].endswith("+08:00") and "." not in report["started"]
    assert timedelta(0) <= started - before.replace(microsecond=0) < timedelta(minutes=2)
    assert f"started {operator_time(started)}" in summary
    assert operator_time(started) in page.xpath("string(//table[@class='run'])")
    for failed in report["failed"]:
        next_try = operator_time(failed["next_attempt"])
        assert failed["next_attempt"].endswith("+08:00") and f"next try {next_try}" in listed.stdout
        assert next_try in page.xpath("string(//table[@class='failed'])")
        # The first backoff (1 hour) after the failure: the same instant in both.
        assert (datetime.fromisoformat(failed["next_attempt"]) - datetime.fromisoformat(failed["last_failed"])
                == timedelta(hours=1))
    as_json = json.loads(newsbot("failed", "--output", tmp_path, "--json").stdout)
    assert sorted(f["next_attempt"] for f in as_json) == sorted(f["next_attempt"] for f in report["failed"])
    # Every time in every text an operator reads carries the offset; none is bare.
    stats_dump = done.stderr[done.stderr.index("Dumping Scrapy stats"):]
    texts = {"summary": summary, "failed": listed.stdout, "status page": page.text_content(),
             "report": json.dumps(report), "stats dump": stats_dump}
    assert {name: unlabelled(text) for name, text in texts.items()} == dict.fromkeys(texts, [])
    log_times = [line[:25] for line in done.stderr.splitlines() if re.match(r"\d{4}-\d{2}-\d{2} ", line)]
    assert log_times and all(t.endswith(" +0800") for t in log_times)
    assert "took " in summary and re.search(r"took \d+(\.\d)? s|took \d+ min", summary)
    assert page.xpath("string(//table[@class='run']//tr[th='took']/td)") == human_duration(report["duration_seconds"])


@pytest.mark.slow
def test_skipped_outlets_are_counted_not_dropped_none(tmp_path):
    done, report = crawl("eastmoney", tmp_path, replay=FIXTURES / "eastmoney")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (report["new"], report["skipped"], report["dropped"]) == (6, 6, {})  # 12 listed, 6 of 南方都市报
    [summary] = [line for line in done.stderr.splitlines() if "run summary:" in line]
    assert "6 new, 0 already known, 6 skipped, dropped none" in summary
    page = lxml_html.fromstring((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert page.xpath("string(//table[@class='run']//tr[th='skipped']/td)") == "6"


@pytest.mark.slow
def test_newsbot_status_labels_the_start_and_reads_the_duration(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "nankai-latest.json").write_text(json.dumps({
        "finish_reason": "finished", "started": "2024-01-25T02:20:00.123456+00:00",  # an older report's form
        "duration_seconds": 4925.2, "new": 3, "errors": 0, "alarms": [], "exit_code": 0}), encoding="utf-8")
    done = newsbot("status", "--output", tmp_path)
    assert done.stdout.startswith("nankai: exit 0 (finished, took 1 h 22 min, started 2024-01-25 10:20:00 +08:00)")


@pytest.mark.parametrize("seconds, words", [
    (0.44, "0.4 s"), (9.96, "10.0 s"), (12.4, "12 s"), (60, "1 min"), (125, "2 min 5 s"),
    (3600, "1 h"), (3 * 3600 + 20 * 60 + 4, "3 h 20 min"), (2 * 86400 + 4 * 3600, "2 d 4 h"), (None, ""),
])
def test_durations_read_as_durations(seconds, words):
    assert human_duration(seconds) == words


def test_every_form_of_a_time_becomes_the_same_labelled_instant():
    instant = datetime(2023, 3, 8, 1, 0, 5, 250000, tzinfo=timezone.utc)
    forms = [instant, instant.replace(tzinfo=None), instant.timestamp(), instant.isoformat(),
             "2023-03-08T09:00:05.25+08:00"]
    assert {operator_time(form) for form in forms} == {"2023-03-08 09:00:05 +08:00"}
    assert {operator_iso(form) for form in forms} == {"2023-03-08T09:00:05+08:00"}
    assert operator_time(None) == operator_time("not a time") == "" and operator_iso(None) is None
