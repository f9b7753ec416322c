from newsbot.crawl.spiders import SiteSpider
from newsbot.sites import all_sites, get_site, load_sites_file


class CampusSpider(SiteSpider):
    """Campus sites configured in newsbot/sites/campus.yaml (plus NEWSBOT_SITES_FILE):
    ``-a site=NAME`` for one, ``-a site=a,b`` for several, ``-a site=all`` for every
    configured site. Each site is its own download slot, so politeness (delay,
    concurrency, AutoThrottle) is per site."""

    name = "campus"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        extra = crawler.settings.get("NEWSBOT_SITES_FILE")
        if extra:
            load_sites_file(extra)
        return super().from_crawler(crawler, *args, **kwargs)

    def load_sites(self, site: str | None = None, **kwargs):
        if not site:
            raise ValueError("campus needs -a site=NAME (or site=all); `newsbot sites` lists them")
        if site == "all":
            return [s for s in all_sites() if s.campus]
        found = [get_site(name.strip()) for name in site.split(",") if name.strip()]
        for one in found:
            if not one.campus:
                raise ValueError(f"{one.name} has a spider of its own: scrapy crawl {one.name}")
        return found
