"""newsbot's pipelines and middlewares one at a time, in-process: each built as Scrapy builds it
(``get_crawler`` + ``build_from_crawler``, the project's settings), fed an item or a request,
its answer and the crawl's stats read. The crawls that run them all together are
tests/test_in_process_crawl.py's; these say which component keeps which rule."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot import settings as project_settings
from newsbot.crawl.failures import OffsiteRequest
from newsbot.crawl.middlewares.politeness import PoliteRetryMiddleware, SiteHostsMiddleware, retry_after
from newsbot.crawl.pipelines import CanonicalUrlPipeline, DedupePipeline, PublishedDatePipeline
from newsbot.dates import SHANGHAI
from newsbot.errors import Dropped
from newsbot.items import Article
from newsbot.sites import get_site
from newsbot.urls import url_hash

ARTICLE = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"


def crawler_with(tmp_path, spider=None, **settings):
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(NEWSBOT_OUTPUT_DIR=str(tmp_path / "out"), **settings)
    crawler = get_crawler(settings_dict=values)
    crawler.spider = spider
    return crawler


def article(**fields) -> Article:
    return Article(**{"url": ARTICLE, "title": "南开大学举行报告会", "site": "nankai", "columns": ["ywsd"], **fields})


# --- pipelines ---------------------------------------------------------------------------------
def test_the_date_pipeline_reads_the_pages_time_in_shanghai_and_counts_a_missing_one(tmp_path):
    crawler = crawler_with(tmp_path)
    pipeline = build_from_crawler(PublishedDatePipeline, crawler)
    item = pipeline.process_item(article(published="2023-05-18 09:30"))
    assert item.published == datetime(2023, 5, 18, 9, 30, tzinfo=SHANGHAI)
    assert item.published_raw == "2023-05-18 09:30"
    undated = pipeline.process_item(article(published=None))
    assert undated.published is None and undated.crawled_at is not None
    assert crawler.stats.get_value("newsbot/missing/published") == 1


def test_the_date_pipeline_drops_what_is_older_than_since(tmp_path):
    spider = SimpleNamespace(since=datetime(2024, 1, 1, tzinfo=SHANGHAI))
    crawler = crawler_with(tmp_path, spider=spider)
    pipeline = build_from_crawler(PublishedDatePipeline, crawler)
    with pytest.raises(Dropped) as dropped:
        pipeline.process_item(article(published="2023-05-18 09:30"))
    assert dropped.value.reason == "older_than_since"
    assert pipeline.process_item(article(published="2024-02-01 08:00")).published.year == 2024


def test_the_url_pipeline_names_the_article_by_its_canonical_urls_hash(tmp_path):
    pipeline = build_from_crawler(CanonicalUrlPipeline, crawler_with(tmp_path))
    item = pipeline.process_item(article(url=ARTICLE + "?utm_source=wechat#top"))
    assert item.url == ARTICLE and item.urlname == url_hash(ARTICLE)


def test_with_https_images_the_url_pipeline_upgrades_only_the_sites_image_hosts(tmp_path):
    assert get_site("nankai").https_images == ("news.nankai.edu.cn",)
    image, elsewhere = "http://news.nankai.edu.cn/a.jpg", "http://img.example.org/b.jpg"
    fields = {"images": [image, elsewhere], "body_markdown": f"![]({image})\n\n![]({elsewhere})"}
    off = build_from_crawler(CanonicalUrlPipeline, crawler_with(tmp_path)).process_item(article(**fields))
    assert off.images == [image, elsewhere]
    on = build_from_crawler(CanonicalUrlPipeline, crawler_with(tmp_path, NEWSBOT_HTTPS_IMAGES=True))
    item = on.process_item(article(**fields))
    assert item.images == ["https://news.nankai.edu.cn/a.jpg", elsewhere]
    assert "](https://news.nankai.edu.cn/a.jpg)" in item.body_markdown and f"]({elsewhere})" in item.body_markdown


def test_the_dedupe_pipeline_passes_a_new_article_and_drops_a_written_or_taken_down_one(tmp_path):
    (tmp_path / "out").mkdir()
    crawler = crawler_with(tmp_path)
    pipeline = build_from_crawler(DedupePipeline, crawler)
    store = pipeline.store
    try:
        new = article(urlname=url_hash(ARTICLE))
        assert pipeline.process_item(new) is new
        store.adopt(url_hash(ARTICLE), ARTICLE, "nankai", "2023-05-18T10:00:00+08:00")
        with pytest.raises(Dropped) as written:
            pipeline.process_item(article())
        assert written.value.reason == "already_written"
        gone = ARTICLE.replace("030056201", "030056202")
        store.take_down(url_hash(gone), gone, "nankai", "2023-05-19T10:00:00+08:00", "a complaint")
        with pytest.raises(Dropped) as taken_down:
            pipeline.process_item(article(url=gone))
        assert taken_down.value.reason == "taken_down"
        assert crawler.stats.get_value("newsbot/dropped/already_written") == 1
        assert crawler.stats.get_value("newsbot/dropped/taken_down") == 1
    finally:
        store.close()


# --- downloader middlewares ----------------------------------------------------------------------
def test_requests_leave_the_sites_hosts_only_as_offsite_failures(tmp_path):
    crawler = crawler_with(tmp_path, spider=SimpleNamespace(sites=[get_site("nankai")]))
    middleware = build_from_crawler(SiteHostsMiddleware, crawler)
    assert middleware.process_request(Request(ARTICLE)) is None
    redirected = Request("https://login.example.org/cas", meta={"redirect_urls": [ARTICLE]})
    with pytest.raises(OffsiteRequest, match=r"login\.example\.org/cas \(from .*030056201\.shtml\)"):
        middleware.process_request(redirected)
    assert crawler.stats.get_value("newsbot/offsite") == 1


def test_retries_back_off_doubling_up_to_the_cap(tmp_path):
    crawler = crawler_with(tmp_path, NEWSBOT_RETRY_BACKOFF=2.0, NEWSBOT_RETRY_AFTER_MAX=10.0)
    middleware = build_from_crawler(PoliteRetryMiddleware, crawler)
    waits = [middleware.backoff_for(Request(ARTICLE, meta={"retry_times": n})) for n in range(5)]
    assert waits == [2.0, 4.0, 8.0, 10.0, 10.0]


def test_a_retry_after_beyond_the_cap_gives_the_request_up_for_this_run(tmp_path):
    import asyncio

    crawler = crawler_with(tmp_path, NEWSBOT_RETRY_AFTER_MAX=60.0)
    crawler.spider = SimpleNamespace(name="nankai")
    middleware = build_from_crawler(PoliteRetryMiddleware, crawler)
    request = Request(ARTICLE)
    busy = HtmlResponse(ARTICLE, status=503, headers={"Retry-After": "3600"}, request=request)
    assert asyncio.run(middleware.process_response(request, busy)) is busy  # not retried
    assert crawler.stats.get_value("newsbot/retry_after_too_long") == 1
    fine = HtmlResponse(ARTICLE, status=200, body=b"<html></html>", request=request)
    assert asyncio.run(middleware.process_response(request, fine)) is fine


def test_retry_after_reads_seconds_and_http_dates():
    def answer(value):
        return HtmlResponse(ARTICLE, status=503, headers={"Retry-After": value} if value else {})

    assert retry_after(answer("120")) == 120.0
    assert retry_after(answer("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0  # a date past: at once
    assert retry_after(answer("soon")) is None and retry_after(answer(None)) is None
