from newsbot.crawl.spiders import SiteSpider


class NankaiSpider(SiteSpider):
    """news.nankai.edu.cn. Arguments: ``-a columns=ywsd,mtnk`` (default ywsd,zhxw,mtnk,nkrw;
    or the NEWSBOT_COLUMNS setting), ``-a since=YYYY-MM-DD``, ``-a backfill=1``,
    ``-a max_pages=N``."""

    name = "nankai"
    allowed_domains = ["news.nankai.edu.cn"]
