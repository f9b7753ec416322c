"""Crawls over real HTTP (tests/httpsite.py on 127.0.0.1): request counts of incremental
runs, the overlapping-run lock."""

import json

from .conftest import crawl

ARTICLES = 27  # distinct articles in fixtures/nankai
COLUMNS = 4  # the default columns


def feed(output):
    return [json.loads(line) for line in (output / "feeds" / "nankai.jsonl").read_text(encoding="utf-8").splitlines()]


def test_crawl_over_http_keeps_the_real_sites_urls(http_site, tmp_path):
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == ARTICLES
    assert len(http_site.article_requests()) == ARTICLES
    assert http_site.paths().count("/robots.txt") == 1
    assert all(ua.startswith("newsbot/") and "+http" in ua for _, ua in http_site.requests)
    urls = [r["url"] for r in feed(tmp_path)]
    assert len(urls) == ARTICLES and all(u.startswith("https://news.nankai.edu.cn/") for u in urls)
