"""Whole replayed crawls of the nankai fixtures: the session's crawl (``nankai_crawl``, in-process)
read, and `scrapy crawl -O` run as a user runs it."""

import json

import pytest
import yaml

from newsbot.items import RECORD_FIELDS

from .conftest import FIXTURES, crawl, feed_records

NANKAI = FIXTURES / "nankai"
TWO_COLUMNS = "https://news.nankai.edu.cn/mtnk/system/2023/05/24/030056284.shtml"
HTTP_AND_HTTPS = "https://news.nankai.edu.cn/mtnk/system/2023/02/20/030055013.shtml"


def distinct_fixture_articles():
    return {p for p in (NANKAI / "news.nankai.edu.cn").rglob("*.shtml") if "/system/20" in p.as_posix()}


def test_one_file_per_distinct_article(nankai_crawl):
    output, report = nankai_crawl
    files = list((output / "nankai" / "hexo").glob("*.md"))
    assert len(files) == len(distinct_fixture_articles()) == report["new"]
    records = feed_records(output)
    assert len(records) == len(files)
    assert {r["urlname"] + ".md" for r in records} == {f.name for f in files}
    assert not list(output.rglob(".newsbot-tmp-*"))


def test_http_and_https_listings_are_one_article(nankai_crawl):
    output, _ = nankai_crawl
    assert [r["url"] for r in feed_records(output)].count(HTTP_AND_HTTPS) == 1


def test_article_listed_in_two_columns_records_both(nankai_crawl):
    output, _ = nankai_crawl
    (record,) = [r for r in feed_records(output) if r["url"] == TWO_COLUMNS]
    assert record["column"] == "媒体南开"
    assert set(record["columns"]) == {"媒体南开", "综合新闻"}


def test_republished_article_names_its_outlet(nankai_crawl):
    output, _ = nankai_crawl
    outlets = {r["outlet"] for r in feed_records(output) if r["column"] == "媒体南开"}
    assert "南开大学新闻网" not in outlets and len(outlets) >= 3


def test_every_front_matter_loads_and_gives_back_the_title(nankai_crawl):
    output, _ = nankai_crawl
    titles = {r["urlname"]: r["title"] for r in feed_records(output)}
    for path in (output / "nankai" / "hexo").glob("*.md"):
        _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        assert meta["title"] == f"南开大学->{titles[path.stem]} | nankai.info"


def test_jsonl_records_carry_the_format_md_fields(nankai_crawl):
    output, _ = nankai_crawl
    for record in feed_records(output):
        for key in ("url", "urlname", "source", "column", "title", "published", "crawled_at", "byline",
                    "summary", "body_markdown", "body_text", "images", "tags", "categories"):
            assert key in record
        assert record["published"].endswith("+08:00")
        assert record["source"] == "南开大学"


@pytest.mark.slow
def test_dash_capital_o_feed_also_works(tmp_path):
    done, report = crawl("nankai", tmp_path, "-a", "columns=ywsd", "-O", str(tmp_path / "feed.jsonl"), replay=NANKAI)
    assert done.returncode == 0, done.stderr[-2000:]
    own = [json.loads(line) for line in (tmp_path / "feed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(own) == report["new"] > 0
    default = feed_records(tmp_path)
    assert len(default) == report["new"]  # the default feed is written as well
    # -O carries exactly the JSONL record (not the body element, retry_reason or local_images
    # that ride on the item), each record as the default feed has it but for the crawl time.
    assert all(list(record) == list(RECORD_FIELDS) for record in own)
    by_url = {record["url"]: record for record in default}
    assert all({**record, "crawled_at": None} == {**by_url[record["url"]], "crawled_at": None} for record in own)
