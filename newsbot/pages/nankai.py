"""news.nankai.edu.cn (南开大学新闻网) article pages: an ECMS site laid out in tables
(docs/sites-html.md): the headline is the page's big bold cell, the body ``td#txt`` (or, in the
older template, what stands between ``<!--enpcontent-->`` markers), the meta row 来源 …
发稿时间 under the headline, and page chrome after the body to cut."""

from __future__ import annotations

import re
from functools import cached_property

from lxml import etree

from newsbot.dates import parse_date
from newsbot.html.tree import inline_text
from newsbot.pages.base import ArticlePage, compiled_xpath
from newsbot.pages.generic.cleanup import MORE_LINK
from newsbot.text import ZERO_WIDTH, ZERO_WIDTH_CHARACTERS, clean_text

# The columns by the first directory of their URLs (an article's column, from its URL).
COLUMN_NAMES = {
    "ywsd": "南开要闻",
    "zhxw": "综合新闻",
    "mtnk": "媒体南开",
    "nkrw": "南开人物",
    "xshd": "学术活动",
    "gjjl": "国际交流",
}
# The headline is the page's one big bold cell; its exact style string varies by template
# version, so look for a large font size rather than for the string.
_FONT_SIZE = re.compile(r"font-size\s*:\s*(\d+)\s*px", re.I)


# Page chrome that follows the body: the 微信往期推送 box (更多...) and the footer. Where the
# body cell is not closed in the page's markup, the parser puts them inside it. A footer line
# is a short text that starts with one of its words (新闻热线：…, 本网站由南开大学…, 版权声明：…:
# not an article's sentence that names one; "本网站由" alone, as a link may split the rest,
# 本网站由<a>南开大学</a>…) or states the site's ICP number (…Copyright@2014 津ICP备…).
FOOTER_STARTS = ("新闻热线", "投稿信箱", "本网站由", "版权声明")
FOOTER_PHRASES = (*FOOTER_STARTS, "ICP备")
FOOTER_TEXT_MAX = 120
# A text that is chrome (after clean_text) holds a phrase or 更多 as they stand (none has a
# space; zero-width characters aside, which clean_text drops).
# 更多 is also a common word (吸引更多学生), where MORE_LINK wants it as a text of its
# own; such a text holds its first character as it stands.
_TEXTS_WITH_GENG = etree.XPath("descendant::text()[contains(., '更')]", smart_strings=False)


def _is_chrome(text: str | None) -> bool:
    """Is the text a footer line, or a link to more (更多..., 【更多】, 更多>>: ``MORE_LINK``)?"""
    text = clean_text(text)
    return bool(text) and ((len(text) <= FOOTER_TEXT_MAX and (text.startswith(FOOTER_STARTS) or "ICP备" in text))
                           or bool(MORE_LINK.match(text)))


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
    """Cut the body from the first element whose text or tail is chrome (``_is_chrome``).
    Chrome right after the body cell (its tail, which is read with it) is dropped; chrome
    standing in the cell itself, after one of its elements, is cut from there."""
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
            if el is not root:  # text of the cell's own after el (<p>…</p>版权声明：…): cut from it
                el.tail = None
                for sibling in list(el.itersiblings()):
                    root.remove(sibling)
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
        if len(path) > 1 and path[1] in COLUMN_NAMES:
            return COLUMN_NAMES[path[1]]
        head = (self.head_title() or "").rsplit("-", 2)
        return clean_text(head[1]) if len(head) == 3 else None


