"""Page objects from bytes + URL + headers (issue 20 point 2): ``PageInput`` reads a page as
the crawl's Scrapy response reads it (charset, text, base URL), the page objects are built
from it without a crawler and finish their own body, and ``newsbot.pages`` imports no Scrapy
(the crawl's one adapter is ``newsbot.crawl.responses``)."""

from __future__ import annotations

import ast
import codecs

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_base_url

from newsbot.crawl.responses import page_input
from newsbot.extract import extract_article
from newsbot.html.charset import repair
from newsbot.pages.base import ArticlePage
from newsbot.pages.generic.extraction import GenericArticlePage, GenericExtraction
from newsbot.pages.page_input import PageInput
from newsbot.sites import get_site

from .conftest import ROOT

URL = "https://news.example.cn/a/b/c.html"
TEXT = "南开大学新闻网：公能日新月异"


def page_bytes(head: str = "", text: str = TEXT, encoding: str = "utf-8", bom: bytes = b"") -> bytes:
    return bom + f"<html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>".encode(encoding)


CASES = {
    "utf-8, nothing declared": (page_bytes(), {}, None),
    "utf-8 by the header": (page_bytes(), {"Content-Type": "text/html; charset=utf-8"}, None),
    "gbk by the meta": (page_bytes('<meta charset="gbk">', encoding="gbk"), {}, None),
    "gb2312 by the header, gbk bytes": (page_bytes(encoding="gbk"), {"content-type": "text/html;charset=gb2312"}, None),
    "gbk bytes, nothing declared (repaired)": (page_bytes(encoding="gbk"), {}, None),
    "gbk bytes declared utf-8 (repaired)": (page_bytes('<meta charset="utf-8">', encoding="gbk"), {}, None),
    "utf-8 bytes declared gbk (repaired)": (page_bytes('<meta charset="gbk">'), {}, None),
    "BOM over the header": (page_bytes(bom=codecs.BOM_UTF8), {"Content-Type": "text/html; charset=gbk"}, None),
    "utf-16 with its BOM": (page_bytes(encoding="utf-16-le", bom=codecs.BOM_UTF16_LE), {}, None),
    "ascii only": (page_bytes(text="plain words"), {}, None),
    "latin-1 by the header": (page_bytes(text="café", encoding="latin-1"), {"Content-Type": "text/html; charset=iso-8859-1"}, None),
    "big5, charset given": (page_bytes(text="國立臺灣大學", encoding="big5"), {}, "big5"),
    "header as a list (the last counts)": (page_bytes(encoding="gbk"), {"Content-Type": ["text/html; charset=utf-8",
                                                                                          "text/html; charset=gbk"]}, None),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_page_input_decodes_a_page_as_the_crawls_response_does(case):
    body, headers, encoding = CASES[case]
    page = PageInput(URL, body, headers, encoding)
    # What the crawl hands a spider: Scrapy's response, after the charset middleware's repair.
    if encoding is None:
        fix = repair(body, page.headers.get("content-type"))
        encoding = fix.encoding if fix else None
    response = HtmlResponse(URL, body=body, headers=headers, encoding=encoding)
    assert (page.encoding, page.text) == (response.encoding, response.text)
    assert page.base_url == get_base_url(response)


def test_a_page_input_reads_base_href_and_refuses_an_href_that_is_no_url():
    page = PageInput("https://news.example.cn/list/index.html",
                     b'<html><head><base href="/archive/"></head><body><a href="x.html">x</a></body></html>')
    assert page.urljoin("x.html") == "https://news.example.cn/archive/x.html"
    assert page.urljoin(" ../y.html ") == "https://news.example.cn/y.html"
    assert page.urljoin("http://[Nucl. Phys. B 612 (2001) 25]") is None


def test_control_characters_leave_the_bytes_and_the_tree():
    body = "<html><body><p>前\x0b后\x0c完</p><p title='a\x01b'>x</p></body></html>".encode()
    page = PageInput(URL, body)
    assert b"\x0b" not in page.body and b"\x01" not in page.body
    assert "前" in "".join(page.root.itertext()) and "\x0b" not in "".join(page.root.itertext())


def test_the_page_is_parsed_once_for_every_reader():
    page = PageInput(URL, page_bytes())
    assert page.root is page.root
    article = ArticlePage(page)
    assert article.root is page.root and GenericExtraction(page).document is page.root


def test_a_scrapy_response_becomes_the_input_with_the_charset_the_crawl_settled_on():
    body = page_bytes(encoding="gbk")  # nothing declared: the charset middleware said gb18030
    response = HtmlResponse(URL, body=body, headers={"Content-Type": "text/html"}, encoding="gb18030")
    page = page_input(response)
    assert (page.url, page.encoding, page.headers["content-type"]) == (URL, "gb18030", "text/html")
    assert TEXT in "".join(page.root.itertext())


FINISHING = ("<html><head><title>题目</title></head><body><div id='txt'>"
             "<p>正文第一段。<img src='/images/spacer.gif'><img src='/upload/photo.jpg'></p>"
             "<p>引用<a href='http://[Nucl. Phys. B 612 (2001) 25]'>文献</a>。</p>"
             "<p>（责任编辑：某某）</p></div></body></html>")


class TxtPage(ArticlePage):
    body_css = ("#txt",)


def test_an_article_page_from_bytes_finishes_its_own_body_without_a_crawler():
    fields = TxtPage.from_bytes(URL, FINISHING.encode()).fields
    body = fields["body"]
    text = "".join(body.itertext())
    assert "正文第一段" in text and "责任编辑" not in text  # the editorial tail is gone
    assert [img.get("src") for img in body.iter("img")] == ["/upload/photo.jpg"]  # the spacer is gone
    assert [a.get("href") for a in body.iter("a")] == [None] and "文献" in text  # unlinked, its text kept


def test_the_generic_fallback_finishes_its_body_the_same_way():
    class NoBody(ArticlePage):
        body_css = ("div.never-there",)

    html = FINISHING.replace("正文第一段。", "正文第一段。" + "这是一段足够长的正文内容，" * 20)
    article = extract_article(NoBody.from_bytes(URL, html.encode()), fallback=GenericArticlePage)
    assert article.extractor == "fallback"
    # (The generic rules drop the spacer and the editor's line themselves; the link that is
    # no URL is left to the finishing every page object does.)
    assert [a.get("href") for a in article.body.iter("a")] == [None] and "文献" in "".join(article.body.itertext())


def test_a_list_page_from_bytes_lists_its_articles_without_a_crawler():
    site = get_site("nankai")
    html = ('<a href="/ywsd/system/2024/05/06/030000001.shtml">a</a>'
            '<a href="/ywsd/system/2024/05/06/030000002.shtml">b</a><a href="index_2.shtml">下一页</a>')
    listing = site.lists.from_bytes("https://news.nankai.edu.cn/ywsd/index.shtml", html.encode(), site)
    assert listing.article_links == [f"https://news.nankai.edu.cn/ywsd/system/2024/05/06/03000000{n}.shtml"
                                     for n in (1, 2)]
    assert listing.next_page == "https://news.nankai.edu.cn/ywsd/index_2.shtml"


def test_the_page_objects_import_no_scrapy():
    """The crawl's responses meet the page objects in one adapter (newsbot/crawl/responses.py)."""
    found = []
    for path in sorted((ROOT / "newsbot" / "pages").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "scrapy"]
    assert found == []
