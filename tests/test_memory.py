"""Memory that does not grow with the size of a backfill (issue 9): the articles a list walk
finds wait in the state's frontier (SQLite), not as requests in Scrapy's in-memory
scheduler. The spider runs in-process on the simulated site's real list and article pages
(bench/crawl/simsite.py) with a real state; no RSS is measured (bench/crawl/run.py --mem
does that), only what the spider holds out at once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.crawl.spiders import CHUNK, LOW_WATER
from newsbot.crawl.spiders.nankai import NankaiSpider

BENCH = Path(__file__).resolve().parent.parent / "bench" / "crawl"
sys.path.insert(0, str(BENCH))

from simsite import COLUMNS, HOST, Site  # noqa: E402

ARTICLES = 1200  # 60 list pages: the walk finds far more than a chunk


def page(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(url, body=body, encoding="utf-8", request=scrapy.Request(url))


async def outputs(generator) -> list:
    return [output async for output in generator]


@pytest.mark.slow  # over a second in-process
def test_a_backfill_holds_at_most_a_chunk_of_article_requests_whatever_the_walk_finds(tmp_path):
    site = Site(ARTICLES)
    crawler = get_crawler(NankaiSpider, {"NEWSBOT_OUTPUT_DIR": str(tmp_path), "NEWSBOT_WORKERS": 0})
    crawler._apply_settings()
    spider = NankaiSpider.from_crawler(crawler, backfill="1")
    crawler.spider = spider
    articles: list[scrapy.Request] = []  # claimed and not yet answered: what the scheduler holds
    most = answered = 0

    def take(results) -> None:
        nonlocal most
        articles.extend(r for r in results if isinstance(r, scrapy.Request) and r.callback == spider.parse_article)
        most = max(most, len(articles))

    async def walk_and_answer() -> None:
        nonlocal answered
        # The whole list walk first (list pages go before articles in a backfill), no
        # article answered meanwhile: claims stop once LOW_WATER are out.
        for code, _, name in COLUMNS:
            first = f"https://{HOST}/{code}/index.shtml"
            url, number = first, 1
            while url:
                path = url[len(f"https://{HOST}"):]
                kind, status, body = site.respond(path)
                assert (kind, status) == ("list", 200), path
                results = await outputs(spider.parse_list(page(url, body), site="nankai", column=name,
                                                          page=number, first=first))
                take(results)
                following = [r for r in results if isinstance(r, scrapy.Request) and r.callback == spider.parse_list]
                url = following[0].url if following else None
                number += 1
        assert LOW_WATER <= len(articles) <= LOW_WATER + CHUNK
        # Each answer gives back a slot; the next chunk is claimed when few are left.
        while articles:
            request = articles.pop(0)
            _, _, body = site.respond(request.url[len(f"https://{HOST}"):])
            response = page(request.url, body)
            response.request.meta.update(request.meta)
            take(await outputs(spider.parse_article(response, **request.cb_kwargs)))
            answered += 1

    asyncio.run(walk_and_answer())
    assert answered == ARTICLES  # every article fetched, once
    assert most <= LOW_WATER + CHUNK
    assert spider.store.pending_count(["nankai"]) == ARTICLES  # none written here: all still in the frontier
