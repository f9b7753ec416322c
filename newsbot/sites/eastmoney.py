"""finance.eastmoney.com (东方财富网): one outlet's articles (finews: 南方都市报), written
as Jekyll posts with one category per outlet."""

from __future__ import annotations

from newsbot.pages.eastmoney import EastmoneyArticlePage
from newsbot.sites import Column, Mirror, Site

BASE = "https://finance.eastmoney.com"
# Jekyll category slug per outlet (seed 003: 南方都市报 -> nanfangdushibao).
OUTLET_SLUGS = {
    "南方都市报": "nanfangdushibao",
    "证券时报": "zhengquanshibao",
    "每日经济新闻": "meirijingjixinwen",
    "中国基金报": "zhongguojijinbao",
    "21世纪经济报道": "21shijijingjibaodao",
    "第一财经": "diyicaijing",
}


SITE = Site(
    name="eastmoney",
    display_name="东方财富网",
    hosts=("finance.eastmoney.com",),
    columns=(Column("cywjh", "要闻精华", f"{BASE}/a/cywjh.html"),),
    article_url=r"^https?://finance\.eastmoney\.com/a/\d{18}\.html$",
    page=EastmoneyArticlePage,
    profile="jekyll",
    profile_options={"site": "//finews.withounder.com", "categories": OUTLET_SLUGS, "blog": "finews"},
    # The old finews scraper linked each post to its share page (seed 003):
    # …/NewsShare.html?infoCode=NW{code} is the article /a/{code}.html (docs/sites-html.md).
    mirrors=(Mirror(r"^https?://finews\.zning\.xyz/html_News/NewsShare\.html\?(?:[^#]*&)?infoCode=NW(?P<code>\d{18})(?:[&#]|$)",
                    BASE + "/a/{code}.html"),),
)
