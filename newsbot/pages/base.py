"""Page objects: what one saved article page means, apart from how it was fetched.

An ``ArticlePage`` is built from a ``PageInput`` (URL, bytes, headers: ``page_input.py``)
and returns the item's fields, its body finished (layout images, the editorial tail and
links that are no URL taken out, its videos shown). Site classes list their selectors as
class attributes at the top and override a field method only where their site needs more
than a selector. ``newsbot.extract`` runs them (the one extraction path).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import cached_property, lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector
from parsel.csstranslator import css2xpath

from newsbot.html.tree import inline_text, remove_keeping_tail
from newsbot.html import media
from newsbot.dates import date_from_url, parse_date
from newsbot.pages.page_input import PageInput
from newsbot.text import clean_text
from newsbot.urls import join_url, surely_joinable

logger = logging.getLogger(__name__)

META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "publishdate", "PubDate", "pubdate",
    "publish_date", "created", "dc.date", "DC.date.issued", "date",
)


@lru_cache(maxsize=512)
def compiled_xpath(query: str) -> etree.XPath:
    """An XPath compiled once. Page objects query the page's lxml tree with these rather
    than through parsel, which wraps every node found in a Selector."""
    return etree.XPath(query, smart_strings=False)


@lru_cache(maxsize=512)
def compiled_css(query: str) -> etree.XPath:
    """A CSS selector as parsel's ``css`` reads it (its HTML translation), compiled once."""
    return compiled_xpath(css2xpath(query))


# ".name", "tag.name", "[class*=name]" (ArticlePage.css answers these itself).
_CLASS_SELECTOR = re.compile(r"([a-z][a-z0-9]*)?\.(-?[_a-zA-Z][\w-]*)|\[class\*=([\w-]+)\]")
_XML_BLANKS = re.compile("[ \t\n\r]+")


# Editorial lines that close a body but are not the article (the realpages convention):
# 原文链接：…, 审核：…, 责任编辑：…, (责编：…), 【编辑:…】.
EDITORIAL_LINE = re.compile(r"^[(（【\[]?\s*(?:原文链接|原文地址|责任编辑|编辑|责编|审核|审稿|校对|终审)\s*[:：]")
_BLOCKS = ("p", "div", "section", "center", "td", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")


def _last_block(el: etree._Element) -> etree._Element | None:
    """The last block inside ``el`` in document order (``el.iter(*_BLOCKS)``'s last but not
    ``el``), looked for from the end: a body's last paragraph is a few elements away."""
    for child in reversed(el):
        if isinstance(child.tag, str):
            found = _last_block(child)  # (what a child holds comes after the child)
            if found is not None:
                return found
            if child.tag in _BLOCKS:
                return child
    return None


def drop_editorial_tail(root: etree._Element) -> None:
    """Remove the editorial lines that end the body (and only those at its very end)."""
    last = _last_block(root)  # the block the loop below looks at first
    if last is None:
        return
    text = clean_text("".join(last.itertext()))
    if text and not (len(text) < 200 and EDITORIAL_LINE.match(text)):
        return  # a body that ends in text (most): nothing to drop, no need to list its blocks
    for el in reversed(list(root.iter(*_BLOCKS))):
        if el is root:
            return
        text = clean_text("".join(el.itertext()))
        if not text:
            continue
        if not (len(text) < 200 and EDITORIAL_LINE.match(text)):
            return
        if not re.sub(r"\s+", "", "".join(root.itertext())).endswith(re.sub(r"\s+", "", text)):
            return  # text follows it outside any block: it does not end the body
        remove_keeping_tail(el)


_URL_ATTRIBUTES = etree.XPath(" | ".join(
    f"descendant-or-self::*/@{name}" for name in ("href", "src", "data-src", "data-original", "original")
))


def drop_unjoinable_links(root: etree._Element, base_url: str) -> None:
    """Unlink hrefs and image sources that are no URL at all (a citation pasted as a link,
    ``http://[Nucl. Phys. B 612 (2001) 25]``): urljoin raises on them, which would lose the
    article; the link text or the rest of the body stays."""
    # (The attributes themselves, found in one XPath call rather than five look-ups on
    # every element of the body; joined only when they might not join, a few.)
    for value in _URL_ATTRIBUTES(root):
        if not surely_joinable(base_url, value) and join_url(base_url, value) is None:
            del value.getparent().attrib[value.attrname]


# Labels that end a labelled value in a page's meta line (来源：… 作者：… 发稿时间：…).
META_LABELS = ("发稿时间|发布时间|更新时间|时间|日期|来源|作者|责任编辑|编辑|责编|审核|点击率|点击|浏览次数|浏览"
               "|阅读|字号|供稿|摄影|记者")


def labelled(label: str, value: str = "[^|｜<>]") -> re.Pattern:
    """``label：value`` up to the next label, a bar or the end of the text."""
    return re.compile(
        rf"{label}\s*[:：]\s*({value}{{0,60}}?)\s*"
        rf"(?=(?:{META_LABELS})\s*[:：]|\s[^\s\d:：|｜]{{1,6}}[:：]|[|｜]|$)"
    )


# Layout images that editors and templates put among the text: never content.
LAYOUT_IMAGE = re.compile(r"/(?:spacer|space|blank|pixel|next_page|prev_page)\.(?:gif|png|jpe?g)$", re.I)


def drop_layout_images(root: etree._Element) -> None:
    for img in list(root.iter("img")):
        if LAYOUT_IMAGE.search((img.get("src") or "").split("?")[0]) and img.getparent() is not None:
            remove_keeping_tail(img)


# Where a page's headline may stand, beside the site's own title selectors.
HEADLINE_CSS = ("h1", "h2", "h3", "[class*=title]", "[class*=Title]")


def _text_after(node) -> str:
    """The first text after an lxml text node (``来源：<a>人民网</a>`` -> 人民网)."""
    parent = node.getparent()
    after = "following::text()[normalize-space()][not(ancestor::script) and not(ancestor::style)]"
    inside = "descendant::text()[normalize-space()][not(ancestor::script) and not(ancestor::style)]"
    texts = parent.xpath(after if node.is_tail else f"{inside} | {after}")
    text = clean_text(texts[1]) if len(texts) > 1 else ""
    # A name has letters and is no other label (作者：, 点击率：) or counter (2168).
    return text if len(text) >= 2 and re.search(r"[^\W\d_]", text) and not re.search(r"[:：]", text) else ""


class ArticlePage:
    # Selectors (CSS), tried in order; the first that matches wins.
    title_css: tuple[str, ...] = ("h1",)
    body_css: tuple[str, ...] = ()
    date_css: tuple[str, ...] = ()
    # 来源：… up to the next label or bar: the whole statement (name, date, edition), which
    # newsbot.text.split_outlet takes apart.
    outlet_pattern = labelled("来源")
    byline_pattern = labelled("作者", "[^|｜<>()（）]")  # not a credit in parentheses
    # Elements inside the body that are page chrome, not article (share bars, editors).
    remove_css: tuple[str, ...] = ()

    def __init__(self, page: PageInput):
        self.input = page
        self.url = page.url

    @classmethod
    def from_bytes(cls, url: str, body: bytes, headers=None, encoding: str | None = None) -> "ArticlePage":
        """The page these bytes make, read as a crawl reads them (its charset rules)."""
        return cls(PageInput(url, body, headers, encoding))

    @cached_property
    def root(self) -> etree._Element:
        """The page's lxml tree (the input's own: parsed once per page)."""
        return self.input.root

    def xpath(self, query: str, **variables) -> list:
        return compiled_xpath(query)(self.root, **variables)

    def css(self, query: str) -> list[etree._Element]:
        """parsel's ``css(query)``'s elements. Selectors by class alone (``.name``,
        ``tag.name``, ``[class*=name]``: most of the title and date rules) are answered
        from one walk of the page: libxml2 evaluates their XPath (normalize-space and
        concat on every element) at 50-130 us a page each, and a page asks up to eight.
        tests/test_page_queries.py holds every answer to parsel's."""
        if query.isalnum() and query.islower():  # a tag name: lxml's own walk finds those faster
            return list(self.root.iter(query))
        by_class = _CLASS_SELECTOR.fullmatch(query)
        if by_class is None:
            return compiled_css(query)(self.root)
        tag, name, part = by_class.groups()
        if part is not None:  # [class*=part]: a substring of the attribute, as it stands
            found = [el for el, value in self._classes if part in value]
        else:  # the class among the attribute's words (XPath's normalize-space splits on ASCII blanks)
            found = [el for el, value in self._classes if name in value and name in _XML_BLANKS.split(value)
                     and (tag is None or el.tag == tag)]
        return [el for el in found if self._still_in_page(el)]

    @cached_property
    def _classes(self) -> list[tuple[etree._Element, str]]:
        """Every element of the page that has a class attribute, with it, in document order."""
        return [(el, value) for el in self.root.iter(etree.Element) if (value := el.get("class")) is not None]

    def _still_in_page(self, el: etree._Element) -> bool:
        # (The list is made once: an element removed from the page since is not found.)
        top = el
        for top in el.iterancestors():
            pass
        return top is self.root

    @cached_property
    def all_text(self) -> str:
        """Every text of the page in one string: a field searched for a word (作者, 来源)
        need not look at the page's text nodes one by one when the word is nowhere."""
        return self.xpath("string()")

    # --- fields -----------------------------------------------------------------------
    def title(self) -> str | None:
        """The headline: of the site's title elements and the page's headings, the longest
        whose text the page's ``<title>`` contains (``{headline}-{site}``); else the first
        site title element; else the ``<title>``."""
        head = self.head_title() or ""
        first, best = None, ""
        for css in (*self.title_css, *HEADLINE_CSS):
            for found in self.css(css)[:50]:
                text = clean_text(inline_text(found))
                if not text:
                    continue
                if css in self.title_css:
                    first = first or text
                if len(text) >= 4 and text in head and len(text) > len(best):
                    best = text
        return best or first or head or None

    def head_title(self) -> str | None:
        return clean_text(next(iter(self.xpath("//title//text()")), None)) or None

    def body(self) -> etree._Element | None:
        for css in self.body_css:
            found = self.css(css)
            if found:
                # A container nested in one of its own kind (a duplicated VSB wrapper whose
                # outer copy also holds the pager): the inner one is the article.
                root = found[0]
                for inner in found[1:]:
                    if root in inner.iterancestors():
                        root = inner
                for noise in self.remove_css:
                    for el in CSSSelector(noise)(root):
                        el.getparent().remove(el)
                return root
        return None

    def published(self) -> datetime | None:
        for css in self.date_css:
            value = parse_date(" ".join(text for found in self.css(css) for text in found.xpath(".//text()")))
            if value:
                return value
        return self.script_date() or self.meta_date() or self.labelled_date() or date_from_url(self.url)

    def script_date(self) -> datetime | None:
        """A date the page's template hands its scripts (a family's own variable), if any."""
        return None

    def meta_date(self) -> datetime | None:
        """The first date in a ``<meta content>`` named one of META_DATE_NAMES (by name
        preference, then property / name / itemprop); the page's metas are read once."""
        metas = [(m.get("property"), m.get("name"), m.get("itemprop"), m.get("content"))
                 for m in self.xpath("//meta[@content]")]
        for name in META_DATE_NAMES:
            for attr in range(3):
                value = next((meta[3] for meta in metas if meta[attr] == name), None)
                parsed = parse_date(value)
                if parsed:
                    return parsed
        return None

    def labelled_date(self) -> datetime | None:
        """The first date that stands under a label such as 发布时间：…"""
        if "时间" not in self.all_text and "日期" not in self.all_text:
            return None
        for text in self.xpath(
            "//body//text()[contains(., '时间') or contains(., '日期')]"
            "[not(ancestor::script) and not(ancestor::style)]"
        )[:20]:
            value = parse_date(text)
            if value:
                return value
        return None

    def outlet(self) -> str | None:
        """What 来源 states: beside the label, or in the element after a bare label
        (``来源：<a>人民网-文化频道</a>``), else a ``source`` element or meta tag."""
        nodes = self.root.xpath(  # (text nodes that know their element: _text_after)
            "//body//text()[contains(., '来源')][not(ancestor::script) and not(ancestor::style)]"
        ) if "来源" in self.all_text else []
        for node in nodes:
            text = clean_text(node)
            match = self.outlet_pattern.search(text)
            if match and match.group(1):
                return match.group(1)
            if match and text.endswith(("：", ":")):
                match = self.outlet_pattern.search(f"来源：{_text_after(node)}")
                if match and match.group(1):
                    return match.group(1)
        for css in ("#source", ".source", "meta[name=ContentSource]::attr(content)"):
            for found in self.css(css):
                text = clean_text(found if css.startswith("meta") else inline_text(found))
                if 2 <= len(text) <= 30 and not re.search(r"[:：]", text):
                    return text
        return None

    def byline(self) -> str | None:
        """作者：… as the page's meta line states it (the body's own credit lines are read
        by the clean pipeline)."""
        if "作者" not in self.all_text:
            return None
        for text in self.xpath(
            "//body//text()[contains(., '作者')][not(ancestor::script) and not(ancestor::style)]"
        ):
            match = self.byline_pattern.search(clean_text(text))
            if match and match.group(1):
                return match.group(1)
        return None

    def column(self) -> str | None:
        return None

    def attachments(self, body) -> tuple[list[dict], list[dict]]:
        """The files the article attaches: those its body links or shows, and those in the
        list a CMS puts after it."""
        return media.split_attachments(body, self.url)

    def videos(self, body) -> list[dict]:
        """The article's videos: players in its body, or the one its page's scripts name."""
        scripts = self.root if media.VIDEO_FILE_BYTES.search(self.input.body) else None
        return media.videos(body, scripts, self.url)

    def finish(self, body: etree._Element, videos: list[dict]) -> None:
        """What every body loses and gains after its attachments and videos were read:
        layout images, the editorial lines that end it and links that are no URL out; a
        video its page's script starts, which it does not hold, added at its end."""
        drop_layout_images(body)
        drop_editorial_tail(body)
        drop_unjoinable_links(body, self.url)
        media.add_to_body(body, videos, self.url)

    @cached_property
    def fields(self) -> dict:
        """The item's fields: title, published, outlet, byline, column, the finished body
        (an lxml element, or None where the page's rules find none), its attachments (the
        body's own, those listed after it) and videos."""
        body = self.body()
        fields = {
            "title": self.title(),
            "published": self.published(),
            "outlet": self.outlet(),
            "byline": self.byline(),
            "column": self.column(),
            "body": body,
            "attachments": self.attachments(body) if body is not None else ([], []),
            "videos": self.videos(body) if body is not None else [],
        }
        if body is not None:
            self.finish(body, fields["videos"])
        return fields
