"""news.nankai.edu.cn (南开大学新闻网): an ECMS site laid out in tables (docs/sites-html.md); its
article pages are read by ``newsbot.pages.nankai``."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from newsbot.pages.base import compiled_xpath
from newsbot.pages.nankai import COLUMN_NAMES, NankaiArticlePage
from newsbot.sites import Column, Site
from newsbot.sites.pagers import CountdownPager

BASE = "https://news.nankai.edu.cn"
COLUMNS = tuple(Column(code, name, f"{BASE}/{code}/index.shtml") for code, name in COLUMN_NAMES.items())
# The code in a column's numbered list page URLs (docs/sites-html.md); zhxw's is a guess. A column
# not here takes it from its pager script's name.
LIST_CODES = {"ywsd": "0003000", "zhxw": "0004000", "mtnk": "0006000", "nkrw": "0008000"}


class NankaiPager(CountdownPager):
    """The real list pages link no older page: ``<div id="pagetemple"></div>`` is filled by
    ``{column}/system/count/{code}/{sub}/count_page_list_{code}{sub}.js``. Older pages are
    ``{column}/system/count//{code}/{sub}/{aaa}/{bbb}/c{code}{sub}_{aaabbbccc}.shtml``:
    numbered up from 1 (the oldest) to the newest, the number 9 digits with zeros; the two
    directories are its first six digits (000/000 below 1000, which the saved URLs show;
    000/001 from 1000 on is the ECMS layout assumed, unconfirmed for this site)."""

    script = re.compile(r"count_page_list_\d{19}\.js\b")
    list_code = re.compile(r"(\d{7})(\d{12})(?:\.js|_\d{9}\.shtml)\b")  # in the script's or a page's URL

    def script_url(self, page) -> str | None:
        for src in compiled_xpath("//script/@src")(page.root):
            url = page.urljoin(src) if self.script.search(src.strip()) else None
            if url:  # (None too for a src that is no URL at all: urljoin raises on it)
                return url
        return None

    def page_url(self, first: str, known: str | None, number: int) -> str | None:
        column = first.split("//", 1)[-1].split("/")[1]
        named = self.list_code.search(known or "")
        code, sub = named.groups() if named else (LIST_CODES.get(column), "0" * 12)
        if code is None:
            return None
        digits = f"{number:09d}"
        return urljoin(first, f"/{column}/system/count//{code}/{sub}/{digits[:3]}/{digits[3:6]}/"
                              f"c{code}{sub}_{digits}.shtml")


SITE = Site(
    name="nankai",
    display_name="南开大学",
    hosts=("news.nankai.edu.cn",),
    columns=COLUMNS,
    default_columns=("ywsd", "zhxw", "mtnk", "nkrw"),
    article_url=r"^https?://news\.nankai\.edu\.cn/[a-z]+/system/\d{4}/\d{2}/\d{2}/\d+\.shtml$",
    page=NankaiArticlePage,
    profile="hexo",
    profile_options={"blog": "nankai.info"},
    scheme="https",
    countdown=NankaiPager(),
    # Its pages link their images over http; the same host serves them (and every page) over https.
    https_images=("news.nankai.edu.cn",),
)
