from newsbot.crawl.spiders import SiteSpider


class BistuSpider(SiteSpider):
    """news.bistu.edu.cn (TRS). Arguments as for every site spider: columns (default zhxw),
    since, backfill, max_pages. Writes profile ``text`` by default."""

    name = "bistu"
    allowed_domains = ["news.bistu.edu.cn"]
