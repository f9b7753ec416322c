"""news.nankai.edu.cn (南开大学新闻网): an ECMS site laid out in tables (SITES.md)."""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urljoin

from lxml import etree

from ..dates import parse_date
from ..body import inline_text
from ..pages import ArticlePage, compiled_xpath
from ..text import ZERO_WIDTH, ZERO_WIDTH_CHARACTERS, clean_text
from ..urls import response_url
from . import Column, CountdownPager, Site

BASE = "https://news.nankai.edu.cn"
COLUMNS = (
    Column("ywsd", "南开要闻", f"{BASE}/ywsd/index.shtml"),
    Column("zhxw", "综合新闻", f"{BASE}/zhxw/index.shtml"),
    Column("mtnk", "媒体南开", f"{BASE}/mtnk/index.shtml"),
    Column("nkrw", "南开人物", f"{BASE}/nkrw/index.shtml"),
    Column("xshd", "学术活动", f"{BASE}/xshd/index.shtml"),
    Column("gjjl", "国际交流", f"{BASE}/gjjl/index.shtml"),
)
_COLUMN_NAMES = {c.code: c.name for c in COLUMNS}
# The code in a column's numbered list page URLs (SITES.md); zhxw's is a guess. A column
# not here takes it from its pager script's name.
LIST_CODES = {"ywsd": "0003000", "zhxw": "0004000", "mtnk": "0006000", "nkrw": "0008000"}
# The headline is the page's one big bold cell; its exact style string varies by template
# version, so look for a large font size rather than for the string.
_FONT_SIZE = re.compile(r"font-size\s*:\s*(\d+)\s*px", re.I)


# Page chrome that follows the body: the 微信往期推送 box (更多...) and the footer. Where the
# body cell is not closed in the page's markup, the parser puts them inside it.
FOOTER_PHRASES = ("版权声明", "本网站由南开大学", "津ICP备")
FOOTER_CHROME = re.compile("|".join(FOOTER_PHRASES) + r"|^更多\s*(?:\.{3}|…|>>)?$")
# A text FOOTER_CHROME matches (after clean_text) holds a phrase or 更多 as they stand (none
# has a space; zero-width characters aside, which clean_text drops).
# 更多 is also a common word (吸引更多学生), where FOOTER_CHROME wants it as a text of its
# own; such a text holds its first character as it stands.
_TEXTS_WITH_GENG = etree.XPath("descendant::text()[contains(., '更')]", smart_strings=False)


def _is_chrome(text: str | None) -> bool:
    return bool(FOOTER_CHROME.search(clean_text(text)))


def _cut_from(root: etree._Element, start: etree._Element) -> None:
    """Remove ``start`` and everything after it inside ``root``."""
    node = start
    while node is not root:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node.tail = None
        node = parent
    start.getparent().remove(start)


def cut_footer_chrome(root: etree._Element) -> None:
    # Every text the loop reads is part of the body's text (or its tail): when that has
    # none of the words, no element need be looked at (most bodies); when its only word is
    # 更多, only if one of the texts holding a 更 is chrome (a third of the bodies hold
    # the word, few the chrome).
    words = compiled_xpath("string()")(root) + (root.tail or "")
    if any(character in words for character in ZERO_WIDTH_CHARACTERS):  # (rare: no regex pass)
        words = ZERO_WIDTH.sub("", words)
    if not any(phrase in words for phrase in FOOTER_PHRASES) and not (
        "更多" in words and any(map(_is_chrome, [*_TEXTS_WITH_GENG(root), root.tail]))
    ):
        return
    cut_from_first_chrome(root)


def cut_from_first_chrome(root: etree._Element) -> None:
    """Cut the body from the first element whose text or tail is FOOTER_CHROME. Chrome
    right after the body cell (its tail, which is read with it) is dropped."""
    if _is_chrome(root.tail):
        root.tail = None  # (cutting from the cell's parent climbed out of the body: a crash)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if _is_chrome(el.text):
            at = el
        elif _is_chrome(el.tail) and el.getparent() is not None:
            at = el.getparent()
        else:
            continue
        if at is root:
            return
        # The chrome box is a table of its own (an include); cut from it, unless that table
        # also holds the article (more text than a box has).
        table = next((a for a in at.iterancestors("table") if root in a.iterancestors()), None)
        if table is not None and len(clean_text("".join(table.itertext()))) < 500:
            at = table
        _cut_from(root, at)
        return


def _first_text(el: etree._Element) -> str | None:
    """An element's first text node (XPath ``text()[1]``): its text, else the tail of the
    first child that has one."""
    if el.text is not None:
        return el.text
    return next((child.tail for child in el if child.tail is not None), None)


def between_enpcontent(document: etree._Element) -> etree._Element | None:
    """The body of the older template: the element holding ``<!--enpcontent-->`` …
    ``<!--/enpcontent-->``, with what stands outside those markers removed."""
    for comment in document.iter(etree.Comment):
        if (comment.text or "").strip().lower() != "enpcontent" or comment.getparent() is None:
            continue
        parent = comment.getparent()
        parent.text = None
        for before in list(comment.itersiblings(preceding=True)):
            parent.remove(before)
        end = next((c for c in comment.itersiblings() if isinstance(c, etree._Comment)
                    and (c.text or "").strip().lower() == "/enpcontent"), None)
        if end is not None:
            for after in list(end.itersiblings()):
                parent.remove(after)
            end.tail = None
        return parent
    return None


class NankaiArticlePage(ArticlePage):
    body_css = ("td#txt", "#txt")

    def body(self):
        root = super().body()
        if root is None:
            root = between_enpcontent(self.root)
        if root is not None:
            cut_footer_chrome(root)
        return root

    def title(self) -> str | None:
        best, best_size = None, 19
        # (One walk of the page: the XPath //td[@style] | //div[@style] | … took three.)
        for cell in self.root.iter("td", "div", "h1"):
            match = _FONT_SIZE.search(cell.get("style") or "")
            if not match or int(match.group(1)) <= best_size:
                continue
            text = clean_text(inline_text(cell))
            if 2 <= len(text) <= 120:
                best, best_size = text, int(match.group(1))
        return best or self._title_from_head() or super().title()

    def _title_from_head(self) -> str | None:
        # <title>{title}-{column}-南开大学</title>; the title itself may contain "-".
        head = self.head_title() or ""
        parts = head.rsplit("-", 2)
        return clean_text(parts[0]) if len(parts) == 3 and parts[2].strip() == "南开大学" else None

    def meta_row_start(self) -> etree._Element | None:
        """The first element whose first text states 发稿时间 or 发布时间 (what XPath's
        ``contains(text(), …)`` tests), by a walk that stops at it, near the top of the page:
        an XPath would copy every text node of the page to test it."""
        if "发稿时间" not in self.all_text and "发布时间" not in self.all_text:
            return None  # (no text node holds them: no need to walk the page)
        for el in self.root.iter(etree.Element):
            text = _first_text(el)
            if text and ("发稿时间" in text or "发布时间" in text):
                return el
        return None

    @cached_property
    def _meta_text(self) -> str:
        """The text of the row under the headline: 来源： … 发稿时间：… (read once per page)."""
        node = self.meta_row_start()
        if node is None:
            return ""
        row = next(node.iterancestors("tr"), node)
        return clean_text(" ".join(compiled_xpath(".//text()")(row)))

    def published(self):
        return parse_date(self._meta_text) or super().published()

    def outlet(self) -> str | None:
        match = self.outlet_pattern.search(self._meta_text)
        return match.group(1) if match else super().outlet()

    def column(self) -> str | None:
        path = self.url.split("//", 1)[-1].split("/")
        if len(path) > 1 and path[1] in _COLUMN_NAMES:
            return _COLUMN_NAMES[path[1]]
        head = (self.head_title() or "").rsplit("-", 2)
        return clean_text(head[1]) if len(head) == 3 else None


class NankaiPager(CountdownPager):
    """The real list pages link no older page: ``<div id="pagetemple"></div>`` is filled by
    ``{column}/system/count/{code}/{sub}/count_page_list_{code}{sub}.js``. Older pages are
    ``{column}/system/count//{code}/{sub}/{aaa}/{bbb}/c{code}{sub}_{aaabbbccc}.shtml``:
    numbered up from 1 (the oldest) to the newest, the number 9 digits with zeros; the two
    directories are its first six digits (000/000 below 1000, which the saved URLs show;
    000/001 from 1000 on is the ECMS layout assumed, unconfirmed for this site)."""

    script = re.compile(r"count_page_list_\d{19}\.js\b")
    list_code = re.compile(r"(\d{7})(\d{12})(?:\.js|_\d{9}\.shtml)\b")  # in the script's or a page's URL

    def script_url(self, response) -> str | None:
        for src in response.xpath("//script/@src").getall():
            url = response_url(response, src) if self.script.search(src.strip()) else None
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
)
