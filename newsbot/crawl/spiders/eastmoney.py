from newsbot.crawl.spiders import SiteSpider


class EastmoneySpider(SiteSpider):
    """finance.eastmoney.com, one outlet: ``-a outlet=南方都市报`` (the default).

    The lists do not name an article's outlet, only its page does, so every listed article
    is fetched once; those of other outlets are remembered as skipped, and a rerun does not
    fetch them again."""

    name = "eastmoney"
    allowed_domains = ["finance.eastmoney.com"]

    def __init__(self, *args, outlet: str = "南方都市报", **kwargs):
        super().__init__(*args, **kwargs)
        self.outlet = outlet
        # Skipped for this outlet only: a run for another outlet fetches them again.
        self.skip_scope = f"outlet={outlet}"

    async def parse_article(self, response, site, columns):
        async for article in super().parse_article(response, site, columns):
            if article.outlet == self.outlet:
                yield article
            else:
                self.skip(article.url, f"outlet {article.outlet!r}, not {self.outlet!r}")
