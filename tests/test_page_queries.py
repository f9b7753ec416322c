"""The page objects' faster queries find what the plain ones they replace find: on every
saved page here (fixtures, tests/data, ../shared/realpages when present) and on pages
written to trip them up. (Speed is measured by bench/crawl/extraction.py.)"""

from __future__ import annotations

import copy
import random

import pytest
from lxml import etree
from parsel import Selector

from newsbot.pages.base import _BLOCKS, ArticlePage, META_DATE_NAMES, _last_block, drop_editorial_tail
from newsbot.pages.page_input import PageInput
from newsbot.dates import parse_date
from newsbot.pages.nankai import NankaiArticlePage, cut_footer_chrome, cut_from_first_chrome

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
        yield PageInput(URL, path.read_bytes())
    for html in TRICKY:
        yield PageInput(URL, html.encode())


def old_meta_row_element(root):
    return root.xpath("//*[contains(text(), '发稿时间') or contains(text(), '发布时间')]")


def old_meta_date(page):
    for name in META_DATE_NAMES:
        for attr in ("property", "name", "itemprop"):
            parsed = parse_date(Selector(root=page.root, type="html").xpath(f"//meta[@{attr}=$n]/@content", n=name).get())
            if parsed:
                return parsed
    return None


@pytest.mark.parametrize("fetched", list(pages()), ids=[p.name for p in PAGES] + [f"tricky{i}" for i in range(len(TRICKY))])
def test_queries_find_what_the_plain_queries_find(fetched):
    page = NankaiArticlePage(fetched)
    assert [page.meta_row_start()] == (old_meta_row_element(page.root)[:1] or [None])
    assert ArticlePage(fetched).meta_date() == old_meta_date(fetched)
    assert page.all_text == "".join(page.root.xpath(".//text()"))  # every text node, in order


CLASS_PAGE = ("<html><body><div class='\tarti_title\n x'><h1 class='title'>a</h1></div><p class='arti_titlex'>b</p>"
              "<p class='arti_title\xa0y'>c</p><p class='Title'>d</p><span class='sub-title a'>e</span>"
              "<div class='arti_update'>2023-05-18</div><form name='_newscontent_fromname'><h1>f</h1></form></body></html>")


def selectors() -> list[str]:
    """Every CSS query a page object asks, and some that look like the shortcut's."""
    from newsbot.pages.base import HEADLINE_CSS
    from newsbot.pages.cms import TrsPage, VsbPage, WebPlusPage
    from newsbot.pages.eastmoney import EastmoneyArticlePage

    found = {*HEADLINE_CSS, "p.arti_title", "P.title", ".arti_title.x", ".x .title", "[class*=Title]", "h1",
             "#source", ".source", "H1", "td#txt", "[class~=title]"}
    for page in (ArticlePage, NankaiArticlePage, VsbPage, WebPlusPage, TrsPage, EastmoneyArticlePage):
        found.update(page.title_css, page.body_css, page.date_css, page.remove_css)
    return sorted(found)


@pytest.mark.parametrize("fetched", [*pages(), PageInput(URL, CLASS_PAGE.encode())],
                         ids=[p.name for p in PAGES] + [f"tricky{i}" for i in range(len(TRICKY))] + ["classes"])
def test_css_finds_what_parsel_finds(fetched):
    page = ArticlePage(fetched)
    parsel = Selector(root=page.root, type="html")
    for query in selectors():
        assert page.css(query) == [found.root for found in parsel.css(query)], query


def test_css_does_not_find_an_element_removed_from_the_page():
    page = ArticlePage(PageInput(URL, CLASS_PAGE.encode()))
    (inner,) = page.css(".title")
    (outer,) = page.css(".arti_title")  # (not 'arti_title\xa0y': XPath splits classes on ASCII blanks only)
    outer.getparent().remove(outer)
    assert page.css(".title") == [] and page.css(".arti_title") == [] and page.css("[class*=title]")


def cut_outcome(cut, root):
    """The body after ``cut`` (on a copy of its page), or the exception it raised."""
    page = copy.deepcopy(root.getroottree())
    root = page.xpath(root.getroottree().getpath(root))[0]
    try:
        cut(root)
    except Exception as exc:  # (none expected: the outcomes then differ from a body)
        return type(exc)
    return etree.tostring(root, encoding="unicode")


def body_cell(html, tail=None):
    root = etree.fromstring(f"<table><tr>{html}</tr></table>", etree.HTMLParser()).find(".//td[@id='txt']")
    root.tail = tail if tail is not None else root.tail
    return root


@pytest.mark.parametrize("html", [
    "<td id=txt><p>正文</p><p>更\u200b多...</p><p>页脚</p></td>",
    "<td id=txt><p>正文，吸引更多学生</p><p>完</p></td>",
    "<td id=txt><p>正文</p><table><tr><td>版权\u00ad声明</td></tr></table></td>",
    "<td id=txt><p>正文</p></td>",
    "<td id=txt><p>正文，吸引<b>更多</b>学生</p><p>完</p></td>",  # (a text of its own: cut)
    "<td id=txt><p>正文</p><!-- 更多 -->更多>><p>完</p></td>",  # (a comment's tail: not read)
    "<td id=txt><p>正文</p><p>\u3000更\ufeff多 \u2028…</p><p>完</p></td>",
])
def test_footer_chrome_is_cut_exactly_where_the_full_walk_cuts(html):
    root = body_cell(html)
    assert cut_outcome(cut_footer_chrome, root) == cut_outcome(cut_from_first_chrome, root)


def test_more_standing_alone_is_cut_and_more_in_a_sentence_is_not():
    root = body_cell("<td id=txt><p>正文</p><p>更多...</p><p>往期推送</p></td>")
    cut_footer_chrome(root)
    assert etree.tostring(root, encoding="unicode") == '<td id="txt"><p>正文</p></td>'
    html = '<td id="txt"><p>正文，吸引更多学生。</p><p>更多的是责任</p></td>'
    root = body_cell(html)
    cut_footer_chrome(root)
    assert etree.tostring(root, encoding="unicode") == html


def test_footer_chrome_cut_on_generated_bodies_is_the_full_walks():
    rng = random.Random(9)
    texts = ["正文", "更多", "更\u200b多", "更", "多", "...", "…", ">>", " ", "\u3000", "\u00ad", "版权声明",
             "吸引", "。", "\u2028"]
    tags = ["<p>", "</p>", "<b>", "</b>", "<br>", "<!--更多-->", "<span>", "</span>"]
    for _ in range(3000):
        html = "".join(rng.choice(tags) if rng.random() < 0.4 else rng.choice(texts) for _ in range(rng.randint(1, 12)))
        root = body_cell(f"<td id=txt>{html}</td>", rng.choice(texts) if rng.random() < 0.2 else None)
        assert cut_outcome(cut_footer_chrome, root) == cut_outcome(cut_from_first_chrome, root), (html, root.tail)


def test_chrome_right_after_the_body_cell_is_dropped_not_a_crash():
    # (Its tail is read with the body; cutting from the cell's parent raised AttributeError.)
    root = body_cell("<td id=txt><p>正文</p><p>完</p></td>", tail="更多>>")
    cut_footer_chrome(root)
    assert root.tail is None and etree.tostring(root, encoding="unicode") == '<td id="txt"><p>正文</p><p>完</p></td>'


def test_the_last_block_is_the_last_that_iter_finds():
    rng = random.Random(9)
    tags = ["<p>", "</p>", "<div>", "</div>", "<span>", "</span>", "<b>", "</b>", "<!--c-->", "<li>", "<center>", "x"]
    generated = ["<div>" + "".join(rng.choice(tags) for _ in range(rng.randint(0, 15))) + "</div>" for _ in range(500)]
    roots = [etree.fromstring(f"<html><body>{html}</body></html>", etree.HTMLParser()) for html in generated]
    roots += [page.root for page in pages()]
    for root in roots:
        for el in [root, *root.iter("body", "div", "td")][:50]:
            blocks = [block for block in el.iter(*_BLOCKS) if block is not el]
            assert _last_block(el) is (blocks[-1] if blocks else None)


def test_an_editorial_last_line_is_dropped_and_a_text_last_line_stops_at_once():
    root = etree.fromstring("<div><p>正文</p><p>（责任编辑：赵清）</p></div>", etree.HTMLParser()).find(".//div")
    drop_editorial_tail(root)
    assert etree.tostring(root, encoding="unicode") == "<div><p>正文</p></div>"
    root = etree.fromstring("<div><p>（责任编辑：赵清）</p><p>正文</p></div>", etree.HTMLParser()).find(".//div")
    drop_editorial_tail(root)
    assert etree.tostring(root, encoding="unicode") == "<div><p>（责任编辑：赵清）</p><p>正文</p></div>"


def test_nankai_headline_is_the_largest_styled_td_div_or_h1_the_first_of_equals():
    html = ("<html><head><title>头-南开要闻-南开大学</title></head><body>"
            "<span style='font-size:40px'>不是标题的大字</span><div style='font-size:24px'>小一些的标题</div>"
            "<table><tr><td style='font-size: 30PX'>真正的标题</td></tr><tr><td style='font-size:30px'>同样大的后一个</td>"
            "</tr></table><h1 style='color:red'>无字号</h1></body></html>")
    assert NankaiArticlePage(PageInput(URL, html.encode())).title() == "真正的标题"


@pytest.mark.parametrize("html, published, outlet", [
    # the nearest row holding the label, not the layout row around it
    ("<table><tr><td>来源：旧报 2020-01-01<table><tr><td><span>来源：南开大学新闻网</span>"
     "<span>发稿时间：2023-05-18 10:00</span></td></tr></table></td></tr></table>", "2023-05-18 10:00", "南开大学新闻网"),
    # no row: the element itself
    ("<p>来源：天津日报 2020-01-01</p><div>来源：人民网 发布时间：2023-05-19 08:30</div>", "2023-05-19 08:30", "人民网"),
])
def test_nankai_meta_text_is_the_row_of_the_first_labelled_element(html, published, outlet):
    page = NankaiArticlePage(PageInput(URL, f"<html><body>{html}</body></html>".encode()))
    assert page.published().strftime("%Y-%m-%d %H:%M") == published
    assert page.outlet() == outlet
