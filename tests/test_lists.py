"""List pages as page objects (newsbot.pages.lists): built from bytes, URL and headers, no crawler."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsbot.pages.lists import ListPage, WebPlusListPage, page_urls
from newsbot.sites import Column, Site, get_site
from newsbot.sites.families import FAMILIES

ROOT = Path(__file__).resolve().parents[1]
REALPAGES = ROOT.parent / "shared" / "realpages"
HELDOUT = ROOT / "bench" / "generic" / "heldout"
NJU = REALPAGES / "021-itsc.nju.edu.cn" / "page.html"
NJU_URL = "https://itsc.nju.edu.cn/wlyxqk/list.htm"  # (test_realpages' URL for it)

needs_realpages = pytest.mark.skipif(not NJU.is_file(), reason=f"real pages not found at {REALPAGES}")


@pytest.fixture(scope="module")
def nju_site():
    """A WebPlus site for itsc.nju.edu.cn as a sites file's entry makes it (family webplus),
    not registered: other tests read that host as unconfigured."""
    family = FAMILIES["webplus"]
    return Site(name="nju_itsc", display_name="南京大学信息化建设管理服务中心", hosts=("itsc.nju.edu.cn",),
                columns=(Column("xxhdt", "信息化动态", NJU_URL),), article_url=family.article_url,
                page=family.page, pager=family.pager, pager_offset=family.pager_offset, lists=family.lists)


def rows_without_links(html: str, shape: str) -> str:
    """realpages 021's rows (``<li class="news …"><span class="news_title"><a href='…'>``)
    with their links taken out and the URL put in the row's markup instead, as WebPlus and
    VSB templates that draw rows with a script do. No real list page of that kind was at
    hand (bench/generic/CLASSES.md): these are the real page's rows in those shapes."""
    def row(match: re.Match) -> str:
        href, title = match["href"], match["title"]
        attribute = {
            "location.href": f"onclick=\"window.location.href='{href}'\"",
            "location": f"onclick=\"location='{href}';return false;\"",
            "window.open": f"onclick=\"window.open('{href}')\"",
            "data-href": f"data-href=\"{href}\"",
        }[shape]
        return f"<li class=\"news{match['rest']}\" {attribute}><span class=\"news_title\">{title}</span>"

    return re.sub(r"<li class=\"news(?P<rest>[^\"]*)\">\s*<span class=\"news_title\"><a href='(?P<href>[^']+)'"
                  r"[^>]*>(?P<title>[^<]*)</a></span>", row, html)


@needs_realpages
def test_a_family_list_page_is_read_from_bytes_without_a_crawler(nju_site):
    listing = nju_site.lists.from_bytes(NJU_URL, NJU.read_bytes(), nju_site, {"Content-Type": "text/html"})
    assert isinstance(listing, WebPlusListPage)
    assert (len(listing.article_links), listing.article_links[0], listing.article_links[-1]) == (
        18, "https://itsc.nju.edu.cn/28/e4/c21558a534756/page.htm", "https://itsc.nju.edu.cn/1c/f5/c21476a335093/page.htm")
    assert [d.date().isoformat() for d in listing.listed_dates()[:2]] == ["2021-07-05", "2021-07-01"]


@needs_realpages
@pytest.mark.parametrize("shape", ["location.href", "location", "window.open", "data-href"])
def test_list_rows_that_are_no_links_are_read_inside_the_familys_list(nju_site, shape):
    original = nju_site.lists.from_bytes(NJU_URL, NJU.read_bytes(), nju_site)
    html = rows_without_links(NJU.read_text(encoding="utf-8"), shape)
    assert "c21558a534756/page.htm' target" not in html  # (no <a href> is left for these rows)
    listing = nju_site.lists.from_bytes(NJU_URL, html.encode("utf-8"), nju_site)
    assert listing.article_links == original.article_links
    assert listing.listed_dates() == original.listed_dates()  # (2021-07-05, 2021-07-01, …)


@needs_realpages
def test_a_scripted_url_outside_the_familys_list_is_not_an_article(nju_site):
    """A menu button (outside wp_news_w*) that goes to an article-shaped URL, and a row whose
    script goes to another site: neither is listed."""
    html = rows_without_links(NJU.read_text(encoding="utf-8"), "location.href").replace(
        "<body", "<body><div class='nav'><span onclick=\"location.href='/2f/01/c21558a999999/page.htm'\">置顶</span></div",
        1).replace("window.location.href='/28/e4/c21558a534756/page.htm'",
                   "window.location.href='https://evil.example.com/28/e4/c21558a534756/page.htm'")
    listing = nju_site.lists.from_bytes(NJU_URL, html.encode("utf-8"), nju_site)
    assert "https://itsc.nju.edu.cn/2f/01/c21558a999999/page.htm" not in listing.article_links
    assert not any("evil" in url or "534756" in url for url in listing.article_links)
    assert len(listing.article_links) == 17


@needs_realpages
def test_without_a_family_container_only_rows_beside_rows_are_read(nju_site):
    """A site of no known family: scripted rows count where several rows of one kind stand
    together, a lone clickable element does not."""
    plain = ListPage.from_bytes(NJU_URL, rows_without_links(NJU.read_text(encoding="utf-8"), "data-href").encode(),
                                nju_site)
    assert len(plain.article_links) == 18
    lone = ListPage.from_bytes(NJU_URL, (
        "<html><body><div><span data-href='/28/e4/c21558a534756/page.htm'>一条</span><p>别的</p></div>"
        "</body></html>").encode(), nju_site)
    assert lone.article_links == []


HELDOUT_GUANCHA = HELDOUT / "018-guancha" / "page.html"


@pytest.mark.skipif(not HELDOUT_GUANCHA.is_file(), reason="held-out pages not found")
def test_a_next_page_drawn_as_a_button_is_followed_by_its_onclick():
    """heldout 018 (guancha.cn, GNE's fixture): <a class="next" onclick="javascript:location.href=
    '/WangWen/2019_09_07_516891_2.shtml';">下一页</a>, no href."""
    listing = ListPage.from_bytes("https://www.guancha.cn/WangWen/2019_09_07_516891.shtml",
                                  HELDOUT_GUANCHA.read_bytes(), get_site("nankai"))
    assert listing.next_page == "https://www.guancha.cn/WangWen/2019_09_07_516891_2.shtml"


def test_a_next_link_to_javascript_or_nowhere_is_no_next_page():
    site = get_site("nankai")
    for anchor in ("<a href='javascript:void(0)'>下一页</a>", "<a href='#'>下一页</a>",
                   "<a onclick='goPage(2)'>下一页</a>", "<a href='http://[bad'>下一页</a>"):
        listing = ListPage.from_bytes("https://news.nankai.edu.cn/ywsd/index.shtml",
                                      f"<html><body>{anchor}</body></html>".encode(), site)
        assert listing.next_page is None, anchor


@needs_realpages
def test_newsbot_add_sees_rows_that_are_no_links():
    """page_urls, which ``newsbot add`` infers a list's article URLs from, reads scripted rows."""
    from newsbot.pages.page_input import PageInput

    html = rows_without_links(NJU.read_text(encoding="utf-8"), "window.open")
    urls = page_urls(PageInput(NJU_URL, html.encode("utf-8")))
    assert "https://itsc.nju.edu.cn/28/e4/c21558a534756/page.htm" in urls
    assert len([u for u in urls if re.search(FAMILIES["webplus"].article_url, u)]) == 18
