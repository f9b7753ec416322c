"""news.bistu.edu.cn (北京信息科技大学新闻网): a TRS WCM site, written as plain text."""

from newsbot.sites import Column, Site
from newsbot.sites.families import FAMILIES

BASE = "https://news.bistu.edu.cn"

SITE = Site(
    name="bistu",
    display_name="北京信息科技大学",
    hosts=("news.bistu.edu.cn",),
    columns=(
        Column("zhxw", "综合新闻", f"{BASE}/zhxw/index.html"),
        Column("xxyw", "学校要闻", f"{BASE}/xxyw/index.html"),
        Column("xxxw", "学院新闻", f"{BASE}/xxxw/index.html"),
    ),
    default_columns=("zhxw",),
    article_url=FAMILIES["trs"].article_url,
    page=FAMILIES["trs"].page,
    profile="text",
    profile_options={"blog": "news.bistu.edu.cn"},
    pager="index_{n}.html",
)
