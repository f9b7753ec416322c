"""List pages as page objects: what a column's list page says, apart from how it was fetched.

A ``ListPage`` is built from a ``PageInput`` (``ListPage(page, site)``: a page's URL, bytes
and headers, read with the crawl's charset rules; ``ListPage.from_bytes`` makes one) and
answers three questions, the ones the spider asks before it decides what to follow:

- ``article_links``: the site's article URLs the page lists, in page order, each once: from
  ``<a href>`` and, inside the list's rows, from rows that are no links
  (``<tr onclick="window.location.href='…'">``, ``location='…'``, ``window.open('…')``,
  ``data-href``/``data-url``), which some WebPlus and VSB templates draw;
- ``listed_dates(links)``: the date printed in each link's row (for ``--since``);
- ``next_page``: the URL its 下一页 link (or a 下一页 that is a button with an onclick) goes to.

A family's list page (``FAMILY_LIST_PAGES``) may say where its list stands (``list_css``);
rows without links are read only there, or, for a page of no known family, only where
several rows of one kind sit side by side (a list, not a menu's lone button).
"""

from __future__ import annotations

import re
from functools import cached_property

from lxml import etree

from newsbot.dates import parse_date
from newsbot.pages.base import compiled_css, compiled_xpath
from newsbot.pages.page_input import PageInput

# Where a row that is no link names its article: location.href = '…', location='…',
# location.assign('…'), window.open('…'), window.location.replace('…').
_SCRIPTED_URL = re.compile(
    r"""(?:location(?:\.href)?\s*=|location\.(?:assign|replace)\s*\(|window\.open\s*\()\s*["']([^"']+)["']""")
_ROW_ATTRIBUTES = ("data-href", "data-url", "data-link")
# Every <a href> and every element that may name a URL some other way, in document order.
_LINK_CANDIDATES = etree.XPath(
    "//a[@href] | //*[@onclick or @data-href or @data-url or @data-link]", smart_strings=False)
_ROW_TAGS = ("li", "tr", "dd", "div", "p", "td", "span")


def scripted_url(el) -> str | None:
    """The URL an element without an href goes to when clicked, as its markup states it."""
    for name in _ROW_ATTRIBUTES:
        value = (el.get(name) or "").strip()
        if value and not value.startswith(("#", "javascript:")):
            return value
    match = _SCRIPTED_URL.search(el.get("onclick") or "")
    return match.group(1).strip() if match else None


def page_urls(page: PageInput) -> list[str]:
    """Every URL the page links or names in a row's onclick/data-href, in page order, each
    once (``newsbot add`` infers a list's article URL shape from these)."""
    found = []
    for el in _LINK_CANDIDATES(page.root):
        href = (el.get("href") or "").strip() if el.tag == "a" else ""
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            href = scripted_url(el) or ""
        url = page.urljoin(href) if href else None
        if url:
            found.append(url)
    return list(dict.fromkeys(found))


class ListPage:
    """A list page of ``site``. Subclasses (one per family, or a site's own) set
    ``list_css``: selectors of the element(s) that hold the list's rows."""

    list_css: tuple[str, ...] = ()

    def __init__(self, page: PageInput, site):
        self.input = page
        self.site = site
        self.url = page.url

    @classmethod
    def from_bytes(cls, url: str, body: bytes, site, headers=None) -> "ListPage":
        """The list page these bytes make, read as a crawl reads them (its charset rules)."""
        return cls(PageInput(url, body, headers), site)

    @cached_property
    def root(self) -> etree._Element:
        return self.input.root

    def _join(self, href: str | None) -> str | None:
        return self.input.urljoin(href) if href else None

    @cached_property
    def containers(self) -> list:
        """The elements the family says hold the list (none: no family container known)."""
        for css in self.list_css:
            found = compiled_css(css)(self.root)
            if found:
                return found
        return []

    def _in_list(self, el) -> bool:
        """May a row that is no link be read here: inside the family's list container, or
        (none known) beside a sibling row of its kind that names a URL too?"""
        if self.containers:
            return any(container is el or container in el.iterancestors() for container in self.containers)
        row = el if el.tag in _ROW_TAGS else next(el.iterancestors(*_ROW_TAGS), None)
        if row is None or row.getparent() is None:
            return False
        return any(sibling is not row and sibling.tag == row.tag
                   and (scripted_url(sibling) or any(scripted_url(d) for d in sibling.iterdescendants()))
                   for sibling in row.getparent())

    @cached_property
    def article_links(self) -> list[str]:
        """The article URLs the page lists, in page order, each once."""
        found = []
        for el in _LINK_CANDIDATES(self.root):
            href = el.get("href") if el.tag == "a" else None
            if href is None or href.strip().lower().startswith(("javascript:", "#")):
                scripted = scripted_url(el)
                href = scripted if scripted and self._in_list(el) else None
            url = self._join(href)
            if url and self.site.is_article(url):
                found.append(url)
        return list(dict.fromkeys(found))

    def listed_dates(self, links=None) -> list:
        """The date printed in the row of each of ``links`` (default: the article links),
        in page order; None where a row prints none."""
        wanted = set(self.article_links if links is None else links)
        dates = []
        for el in _LINK_CANDIDATES(self.root):
            href = el.get("href") if el.tag == "a" else None
            if href is None or href.strip().lower().startswith(("javascript:", "#")):
                href = scripted_url(el)
            if self._join(href) not in wanted:
                continue
            row = el if el.tag in ("li", "tr", "dd") else next(el.iterancestors("li", "tr", "dd", "div"), None)
            text = " ".join(compiled_xpath(".//text()")(row if row is not None else el))
            dates.append(parse_date(text))
        return dates

    @cached_property
    def next_page(self) -> str | None:
        """The URL the page's 下一页 link goes to (joined once, here), or None: an ``<a>``
        whose text or title is one of the site's next-page words, by its href or, a button
        drawn as a link, its onclick."""
        for text in self.site.next_page_texts:
            for anchor in compiled_xpath("//a[normalize-space(.)=$t or normalize-space(@title)=$t]")(self.root, t=text):
                href = (anchor.get("href") or "").strip()
                if not href or href.lower().startswith(("javascript:", "#")):
                    href = scripted_url(anchor)
                url = self._join(href)
                if url:  # (None too for an href that is no URL at all)
                    return url
        return None


class VsbListPage(ListPage):
    """博达 VSB: rows ``<li id="line_u10_0">`` in the list's ``<ul>``, or a table's rows."""

    list_css = ("[id^=line_u]", "div.list", ".list", "table.winstyle", "[class*=list]")


class WebPlusListPage(ListPage):
    """WebPlus: the portlet ``div[frag=窗口…]``'s ``.wp_article_list`` (rows ``li.list_item``)
    or its table of rows (``table.wp_article_list_table``)."""

    list_css = (".wp_article_list", ".wp_article_list_table", "#wp_news_w6", "[id^=wp_news_w]", ".news_list")


class TrsListPage(ListPage):
    """TRS WCM: the list ``ul`` above ``createPageHTML(…)``'s pager."""

    list_css = ("ul.list", ".list", "[class*=list]")


FAMILY_LIST_PAGES = {"vsb": VsbListPage, "webplus": WebPlusListPage, "trs": TrsListPage}
