"""The ceiling: a bare Scrapy spider over the simulated site (list -> article, one XPath,
no pipelines). Run by ``run.py`` with ``scrapy runspider`` outside the project (Scrapy's
defaults plus the same concurrency and robots.txt settings as the newsbot crawl):

    scrapy runspider bench/crawl/bare_spider.py -a base=http://127.0.0.1:PORT -a stats_out=stats.json

``-a pages=1`` reads only each column's first list page and no article: Scrapy's own
start-up plus the list pages an idle newsbot rerun reads.
"""

import json
import re
from urllib.parse import urlsplit

import scrapy

COLUMNS = ("ywsd", "zhxw", "mtnk", "nkrw")
ARTICLE = re.compile(r"/[a-z]+/system/\d{4}/\d{2}/\d{2}/\d+\.shtml$")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base: str, pages: str | None = None, stats_out: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.base = base.rstrip("/")
        self.pages = int(pages) if pages else None
        self.stats_out = stats_out

    def local(self, url: str) -> str:
        """The list pages link the real host; fetch the same path from the simulated site."""
        parts = urlsplit(url)
        return self.base + parts.path

    async def start(self):
        for column in COLUMNS:
            yield scrapy.Request(f"{self.base}/{column}/index.shtml", callback=self.parse_list, cb_kwargs={"page": 1})

    def parse_list(self, response, page: int):
        if self.pages and page >= self.pages:
            return
        for href in response.xpath("//a[@target='_blank']/@href").getall():
            if ARTICLE.search(href):
                yield scrapy.Request(self.local(response.urljoin(href)), callback=self.parse_article)
        older = response.xpath("//a[.='下一页']/@href").get()
        if older:
            yield scrapy.Request(self.local(response.urljoin(older)), callback=self.parse_list,
                                 cb_kwargs={"page": page + 1})

    def parse_article(self, response):
        yield {"url": response.url, "text": response.xpath("string(//td[@id='txt'])").get()}

    def closed(self, reason):
        if self.stats_out:
            stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
            with open(self.stats_out, "w", encoding="utf-8") as out:
                json.dump(stats, out)
