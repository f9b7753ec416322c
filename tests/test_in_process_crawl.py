"""Every spider's replay fixtures crawled in-process (``in_process_crawls`` in conftest):
each article written is its page's golden record (``fixtures/**/*.expected.json``), field
for field but what only the crawl knows; one Markdown file per article; the run reports no
alarm; and a second run over its output finds nothing new and changes no file."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest

from newsbot.cli.golden import EXCLUDED, article_pages, golden_path

from .conftest import CLUSTER_WORKER, FIXTURES, IN_PROCESS_CRAWLS, PDF, WITH_ATTACHMENT, feed_records, jpeg

HEXO_IMAGE = re.compile(r"!\[图\]\(([^)]*)\)")

# What a record holds that its page alone cannot say: when it was crawled, which lists
# linked it (a page may be listed in several columns).
CRAWL_ONLY = ("crawled_at", "column", "columns", "categories")
# eastmoney's articles of other outlets are listed, read and skipped (its outlet setting).
KEPT = {"eastmoney": lambda golden: golden["outlet"] == "南方都市报"}


def goldens(fixtures: str) -> dict[str, dict]:
    """The golden records of a fixture set's article pages by URL, those the pipelines keep."""
    found = {}
    for page, url in article_pages(FIXTURES):
        if page.relative_to(FIXTURES).parts[0] == fixtures:
            record = json.loads(golden_path(page).read_text(encoding="utf-8"))
            if "dropped" not in record and KEPT.get(fixtures, bool)(record):
                found[url] = record
    return found


@pytest.mark.parametrize("spider", IN_PROCESS_CRAWLS)
def test_every_article_is_written_once_as_its_golden_record(in_process_crawls, spider):
    output, first = in_process_crawls[spider].output, in_process_crawls[spider].report
    expected = goldens(IN_PROCESS_CRAWLS[spider][0])
    records = feed_records(output, spider)
    assert sorted(r["url"] for r in records) == sorted(expected)  # each once, none other
    for record in records:
        golden = expected[record["url"]]
        got = {k: v for k, v in record.items() if k not in EXCLUDED and k not in CRAWL_ONLY}
        assert got == {k: v for k, v in golden.items() if k not in CRAWL_ONLY}, record["url"]
    assert first["new"] == len(expected) and first["alarms"] == [] and first["exit_code"] == 0
    posts = [p for p in output.rglob("*") if p.suffix in (".md", ".txt")]
    assert len(posts) == len(expected)


@pytest.mark.parametrize("spider", IN_PROCESS_CRAWLS)
def test_a_second_run_finds_nothing_new_and_changes_no_file(in_process_crawls, spider):
    crawl = in_process_crawls[spider]
    report = crawl.rerun_report
    assert report["new"] == 0 and report["article_pages"] == 0 and report["alarms"] == []
    written = [p.relative_to(crawl.output) for p in crawl.output.rglob("*") if p.suffix in (".md", ".txt", ".jsonl")]
    assert written and all((crawl.output / p).read_bytes() == (crawl.rerun_output / p).read_bytes() for p in written)


@pytest.mark.redis
def test_a_cluster_worker_writes_every_article_once_in_its_feed_shard(in_process_crawls):
    from newsbot.cluster.shards import merge_feed

    if "nankai-cluster" not in in_process_crawls:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    crawl = in_process_crawls["nankai-cluster"]
    expected = goldens("nankai")
    assert crawl.report["new"] == len(expected) and crawl.report["alarms"] == [] and crawl.report["exit_code"] == 0
    assert [p.name for p in (crawl.output / "feeds").glob("*.jsonl")] == [f"nankai.{CLUSTER_WORKER}.jsonl"]
    merged, added = merge_feed(crawl.output, "nankai")
    assert added == len(expected) and merge_feed(crawl.output, "nankai")[1] == 0  # merging again adds nothing
    assert sorted(r["url"] for r in feed_records(crawl.output, "nankai")) == sorted(expected)
    assert len(list((crawl.output / "nankai" / "hexo").glob("*.md"))) == len(expected)


def test_local_images_and_attachments_are_stored_beside_each_post_with_the_served_bytes(in_process_crawls):
    crawl = in_process_crawls["nankai-files"]
    assert crawl.report["new"] == 27 and crawl.report["alarms"] == [], crawl.report
    stored = 0
    for record in feed_records(crawl.output):
        post = (crawl.output / "nankai" / "hexo" / f"{record['urlname']}.md").read_text(encoding="utf-8")
        folder = crawl.output / "nankai" / "hexo" / record["urlname"]
        shown = HEXO_IMAGE.findall(post)
        assert len(shown) == len(record["images"]) and all("/" not in name for name in shown), shown  # all local
        for image in record["images"]:
            [name] = [n for n in shown if (folder / n).read_bytes() == jpeg(urlsplit(image).path)]
            stored += 1
    assert stored > 20  # (the fixtures' articles show this many images)
    [record] = [r for r in feed_records(crawl.output) if r["url"].endswith(WITH_ATTACHMENT)]
    name = hashlib.sha256(PDF).hexdigest() + ".pdf"
    assert (crawl.output / "nankai" / "hexo" / record["urlname"] / name).read_bytes() == PDF
    assert f"[通知.pdf]({name})" in (crawl.output / "nankai" / "hexo" / f"{record['urlname']}.md").read_text("utf-8")
