"""The page objects' faster queries find what the plain ones they replace find: on every
saved page here (fixtures, tests/data, ../shared/realpages when present) and on pages
written to trip them up. (Speed is measured by bench/crawl/extraction.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from newsbot.pages import ArticlePage, META_DATE_NAMES, drop_editorial_tail, make_response
from newsbot.dates import parse_date
from newsbot.sites.nankai import FOOTER_CHROME, NankaiArticlePage, cut_footer_chrome
from newsbot.text import clean_text

from .conftest import FIXTURES, ROOT

PAGES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".htm", ".shtml"))
PAGES += sorted((ROOT / "tests" / "data").glob("*.html"))
PAGES += sorted((ROOT.parent / "shared" / "realpages").glob("*/page.html"))
URL = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"

TRICKY = [
    "<html><body><table><tr><td><!--c-->发稿时间：2023-05-18</td></tr></table></body></html>",
    "<html><body><div>来源：人民网<span>x</span>发布时间：2023-05-18</div><p><b>a</b>发稿时间</p></body></html>",
    "<html><body><p>没有<i>发稿时间</i></p><p>发布<b>时间</b></p></body></html>",
    # (the cell comes first: its first text is the tail after the span)
    "<html><body><table><tr><td><span>发稿时间：2023-05-18</span>发布时间：2023-05-19</td></tr></table></body></html>",
    "<html><head><title>发布时间</title></head><body><p>发稿时间：2023-05-18</p></body></html>",
    "<html><head><meta name=date content=2023-01-02><meta property=date content=nonsense>"
    "<meta itemprop=pubdate content=2022-02-03><meta name=PubDate></head><body></body></html>",
]


def pages():
    for path in PAGES:
        yield make_response(URL, path.read_bytes())
    for html in TRICKY:
        yield make_response(URL, html.encode())


def old_meta_row_element(root):
    return root.xpath("//*[contains(text(), '发稿时间') or contains(text(), '发布时间')]")


def old_meta_date(response):
    for name in META_DATE_NAMES:
        for attr in ("property", "name", "itemprop"):
            parsed = parse_date(response.xpath(f"//meta[@{attr}=$n]/@content", n=name).get())
            if parsed:
                return parsed
    return None


@pytest.mark.parametrize("response", list(pages()), ids=[p.name for p in PAGES] + [f"tricky{i}" for i in range(len(TRICKY))])
def test_queries_find_what_the_plain_queries_find(response):
    page = NankaiArticlePage(response)
    assert [page.meta_row_start()] == (old_meta_row_element(page.root)[:1] or [None])
    assert ArticlePage(response).meta_date() == old_meta_date(response)
    assert page.all_text == "".join(page.root.xpath(".//text()"))  # every text node, in order


def footer_cut_by_the_full_walk(root):
    """cut_footer_chrome without its shortcut: which element the walk would cut from."""
    for el in root.iter():
        if isinstance(el.tag, str) and (FOOTER_CHROME.search(clean_text(el.text)) or FOOTER_CHROME.search(clean_text(el.tail))):
            return el
    return None


@pytest.mark.parametrize("html", [
    "<td id=txt><p>正文</p><p>更\u200b多...</p><p>页脚</p></td>",
    "<td id=txt><p>正文，吸引更多学生</p><p>完</p></td>",
    "<td id=txt><p>正文</p><table><tr><td>版权\u00ad声明</td></tr></table></td>",
    "<td id=txt><p>正文</p></td>",
])
def test_footer_chrome_is_cut_exactly_where_the_full_walk_cuts(html):
    root = etree.fromstring(f"<table><tr>{html}</tr></table>", etree.HTMLParser()).find(".//td[@id='txt']")
    expected = footer_cut_by_the_full_walk(root)
    before = etree.tostring(root)
    cut_footer_chrome(root)
    assert (etree.tostring(root) == before) == (expected is None)


def test_an_editorial_last_line_is_dropped_and_a_text_last_line_stops_at_once():
    root = etree.fromstring("<div><p>正文</p><p>（责任编辑：赵清）</p></div>", etree.HTMLParser()).find(".//div")
    drop_editorial_tail(root)
    assert etree.tostring(root, encoding="unicode") == "<div><p>正文</p></div>"
    root = etree.fromstring("<div><p>（责任编辑：赵清）</p><p>正文</p></div>", etree.HTMLParser()).find(".//div")
    drop_editorial_tail(root)
    assert etree.tostring(root, encoding="unicode") == "<div><p>（责任编辑：赵清）</p><p>正文</p></div>"
