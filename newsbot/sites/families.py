"""The campus CMS families as data: how each one's article URLs look and how its older list
pages are numbered (docs/sites-html.md). Their pages are read by ``newsbot.pages.cms``."""

from __future__ import annotations

from typing import NamedTuple

from newsbot.pages.cms import PAGES
from newsbot.pages.lists import FAMILY_LIST_PAGES


class Family(NamedTuple):
    page: type  # the family's ArticlePage
    article_url: str  # regex an absolute article URL matches
    pager: str | None  # older list pages by number, relative to the first ("list{n}.htm")
    pager_offset: int  # n of the second list page, less one
    lists: type  # the family's ListPage


FAMILIES = {
    "vsb": Family(PAGES["vsb"], r"/info/\d+/\d+\.htm$", None, 0, FAMILY_LIST_PAGES["vsb"]),
    # WebPlus article paths are dated (/2023/0518/…) or hashed (/28/e4/…) by site setting.
    "webplus": Family(PAGES["webplus"], r"/(?:\d{4}/\d{4}|[0-9a-f]{2}/[0-9a-f]{2})/c\d+a\d+/page\.html?$",
                      "list{n}.htm", 1, FAMILY_LIST_PAGES["webplus"]),
    "trs": Family(PAGES["trs"], r"/t\d{8}_\d+\.s?html?$", "index_{n}.html", 0, FAMILY_LIST_PAGES["trs"]),
}
