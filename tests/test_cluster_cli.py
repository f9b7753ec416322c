"""``newsbot status`` (a scrapyd job's exit code, from its run report) and ``newsbot
merge-shards`` (a cluster's feed shards into one feed), on files as the crawls leave them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import newsbot

pytestmark = pytest.mark.slow  # every test here starts a process

def report(output: Path, name: str, **fields) -> None:
    folder = output / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    data = {"finish_reason": "finished", "duration_seconds": 1.5, "new": 3, "errors": 0, "alarms": [], **fields}
    (folder / f"{name}-latest.json").write_text(json.dumps(data), encoding="utf-8")


def test_status_exits_with_the_reports_exit_code(tmp_path):
    report(tmp_path, "nankai", exit_code=0)
    done = newsbot("status", "--output", str(tmp_path))
    assert done.returncode == 0 and "nankai: exit 0 (finished, took 1.5 s" in done.stdout and "3 new" in done.stdout
    report(tmp_path, "nankai", exit_code=5, alarms=["the site is unreachable: all 4 list page requests failed"])
    done = newsbot("status", "--output", str(tmp_path), "--spider", "nankai")
    assert done.returncode == 5 and "ALARM: the site is unreachable" in done.stderr


def test_status_of_an_older_report_derives_the_code_from_its_alarms(tmp_path):
    report(tmp_path, "bistu", alarms=["column bistu/x lists no articles on its first page"])
    assert newsbot("status", "--output", str(tmp_path), "--spider", "bistu").returncode == 4
    report(tmp_path, "bistu")
    assert newsbot("status", "--output", str(tmp_path), "--spider", "bistu").returncode == 0


def test_status_of_a_cluster_worker_and_of_a_job_that_never_finished(tmp_path):
    report(tmp_path, "nankai.w2", exit_code=4, alarms=["x"])
    done = newsbot("status", "--output", str(tmp_path), "--worker", "w2")
    assert done.returncode == 4 and done.stderr.startswith("nankai.w2: exit 4")
    done = newsbot("status", "--output", str(tmp_path))
    assert done.returncode == 1 and "no run report" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "reports" / "nankai-latest.json").write_text("{trunc", encoding="utf-8")
    done = newsbot("status", "--output", str(tmp_path))
    assert done.returncode == 1 and "unreadable run report" in done.stderr


def line(urlname: str) -> str:
    return json.dumps({"urlname": urlname, "title": f"t{urlname}"}, ensure_ascii=False)


def test_merge_shards_takes_each_article_once_and_is_idempotent(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "nankai.w1.jsonl").write_text(line("a") + "\n" + line("b") + "\n", encoding="utf-8")
    # A torn last line (a worker killed mid-write) is not merged; the worker repairs it on restart.
    (feeds / "nankai.w2.jsonl").write_text(line("c") + "\n" + line("a") + "\n" + '{"urlname": "d', encoding="utf-8")
    (feeds / "bistu.w1.jsonl").write_text(line("x") + "\n", encoding="utf-8")
    done = newsbot("merge-shards", "--output", str(tmp_path), "--spider", "nankai")
    assert done.returncode == 0 and "3 lines added" in done.stdout
    merged = (feeds / "nankai.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["urlname"] for x in merged] == ["a", "b", "c"]
    (feeds / "nankai.w2.jsonl").write_text(line("c") + "\n" + line("a") + "\n" + line("d") + "\n", encoding="utf-8")
    assert "1 lines added" in newsbot("merge-shards", "--output", str(tmp_path), "--spider", "nankai").stdout
    assert "0 lines added" in newsbot("merge-shards", "--output", str(tmp_path), "--spider", "nankai").stdout
    merged = (feeds / "nankai.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["urlname"] for x in merged] == ["a", "b", "c", "d"]
