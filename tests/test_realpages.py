"""Real pages nobody here wrote (../shared/realpages, README there): every article page read
as a crawl reads it (``extract`` + ``prepare``), each hand-checked field compared; every
list page's article links as the crawl would follow them.

Fields compared as the realpages README says: ``source`` is the printed 来源, so the
outlet (its name only) must be contained in it; body ends compared with all whitespace
removed. An ``xfail`` below is a field newsbot gets wrong today, with the reason.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest

from newsbot.extract import extract
from newsbot.extract import prepare
from newsbot.items import article_record
from newsbot.sites import site_for_url

from .conftest import ROOT

REALPAGES = ROOT.parent / "shared" / "realpages"
FIELDS = ("title", "published", "outlet", "byline", "body_first", "body_last", "images")

# Pages saved without their URL (info.json "url": null): the URL the info's url_note
# gives, else a made-up path on the page's host (its host is all the extraction uses).
URL_GUESSES = {
    "012": "https://cs.fudan.edu.cn/12/f3/c24258a266995/page.htm",
    "013": "https://cs.fudan.edu.cn/08/b2/c24795a460978/page.htm",
    "014": "https://cs.fudan.edu.cn/24256/list.htm",
    "021": "https://itsc.nju.edu.cn/wlyxqk/list.htm",  # its pager links /wlyxqk/list2.htm
    "022": "https://icec.nefu.edu.cn/xwzx.htm",
    "023": "http://www.sxmu.edu.cn/jijian/info/1009/1081.htm",
    "040": "http://www.nuc.edu.cn/info/1014/14961.htm",
}

# Fields newsbot gets wrong today, with why. GENERIC: the page has no site configuration
# (or its site's rules find no body), so the generic extractor (newsbot.pages.generic) reads it.
GENERIC = "generic extractor (newsbot.pages.generic), owned by its own work: "
KNOWN_WRONG: dict[tuple[str, str], str] = {
    ("023", "body_first"): GENERIC + "drops the title the body container repeats as its first paragraph",
    ("025", "body_first"): GENERIC + "keeps the gallery label 图集 before the dateline",
    ("031", "body_first"): GENERIC + "drops the transcript's opening date line 2012年6月24日",
    ("039", "outlet"): GENERIC + "the outlet is only in the header line 石佳/中国青年报, with no 来源 label",
    ("039", "byline"): GENERIC + "the byline is only in the header line 石佳/中国青年报",
    ("030", "byline"): "the credit （张巨峰） closing the text has no role word; a bare parenthesised name at "
                       "the end is as often an outlet (（新华社）) as a person, so newsbot does not take it",
}


def pages(kind: str) -> list[str]:
    if not REALPAGES.is_dir():
        return []
    return sorted(d.name for d in REALPAGES.iterdir()
                  if (d / "info.json").is_file() and json.loads((d / "info.json").read_text("utf-8"))["kind"] == kind)


def info(name: str) -> dict:
    return json.loads((REALPAGES / name / "info.json").read_text(encoding="utf-8"))


def page_url(name: str) -> str:
    found = info(name)["url"]
    return found or URL_GUESSES.get(name[:3]) or f"https://{name[4:]}/realpages/{name[:3]}.html"


@lru_cache(maxsize=None)
def record(name: str) -> dict:
    """The JSONL record a crawl writes for this page (served as text/html, no charset)."""
    body = (REALPAGES / name / "page.html").read_bytes()
    article = extract(page_url(name), body, {"Content-Type": "text/html"})
    return article_record(prepare(article))


def _squeeze(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def field_ok(name: str, field: str) -> tuple[bool, str, str]:
    """(right?, what newsbot gives, what the page states) for one field of one page."""
    expected = json.loads((REALPAGES / name / "expected.json").read_text(encoding="utf-8"))
    got = record(name)
    if field == "title":
        return got["title"] == expected["title"], got["title"], expected["title"]
    if field == "published":
        want = expected["published"]
        found = (got["published"] or "").replace("T", " ")[: len(want)]
        return found == want, got["published"], want
    if field == "outlet":
        source, outlet = expected["source"], got["outlet"]
        right = outlet is None if source is None else bool(outlet) and outlet in source
        return right, outlet, source
    if field == "byline":
        return got["byline"] == expected["byline"], got["byline"], expected["byline"]
    if field == "body_first":
        text = got["body_text"] or ""
        return _squeeze(text).startswith(_squeeze(expected["body_first"])), text[:40], expected["body_first"]
    if field == "body_last":
        text = got["body_text"] or ""
        return _squeeze(text).endswith(_squeeze(expected["body_last"])), text[-40:], expected["body_last"]
    if field == "images":
        return len(got["images"]) == expected["images"], len(got["images"]), expected["images"]
    raise ValueError(field)


def article_cases():
    for name in pages("article"):
        for field in FIELDS:
            reason = KNOWN_WRONG.get((name[:3], field))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []  # strict: a fix shows
            yield pytest.param(name, field, id=f"{name[:3]}-{field}", marks=marks)


needs_realpages = pytest.mark.skipif(not REALPAGES.is_dir(), reason=f"real pages not found at {REALPAGES}")


@needs_realpages
@pytest.mark.parametrize("name, field", list(article_cases()) or [pytest.param("-", "-", id="none")])
def test_article_field(name, field):
    right, got, want = field_ok(name, field)
    assert right, f"{name} {field}: newsbot gives {got!r}, the page states {want!r}"


# List pages: (article links a crawl follows, the first and last of them, the next list page
# it requests). Read off each page: its list rows, plus the site's own article links in
# its chrome, which a crawl follows too (005: the 微信往期推送 promo; 007: the 本科教学质量
# 报告 nav link; 021: four links of another column in the sidebar).
LISTS = {
    "005": (32, "http://news.nankai.edu.cn/ywsd/system/2025/05/30/030067323.shtml",
            "http://news.nankai.edu.cn/ywsd/system/2025/05/23/030067199.shtml", None),
    "007": (15, "http://www.nankai.edu.cn/2019/1009/c17551a208969/page.htm",
            "https://www.nankai.edu.cn/2024/0927/c17471a551900/page.htm", "https://www.nankai.edu.cn/157/list2.htm"),
    "009": (10, "https://zfxy.nankai.edu.cn/info/1220/8875.htm", "https://zfxy.nankai.edu.cn/info/1220/8789.htm",
            "https://zfxy.nankai.edu.cn/index/important_news/113.htm"),
    # Its rows link a teaser (page.html, "全文》") and the title (page.htm) of different
    # articles alike: both are articles.
    "014": (28, "https://cs.fudan.edu.cn/fa/19/c24256a719385/page.html",
            "https://cs.fudan.edu.cn/03/9d/c24267a328605/page.html", "https://cs.fudan.edu.cn/24256/list2.htm"),
    "016": (7, "http://yjszs.cqjtu.edu.cn/info/1050/1840.htm", "http://yjszs.cqjtu.edu.cn/info/1050/1010.htm", None),
    "018": (10, "http://cst.nuc.edu.cn/info/1038/5588.htm", "http://cst.nuc.edu.cn/info/1038/5589.htm",
            "http://cst.nuc.edu.cn/xwzx/xyxw/29.htm"),
    "021": (18, "https://itsc.nju.edu.cn/28/e4/c21558a534756/page.htm",
            "https://itsc.nju.edu.cn/1c/f5/c21476a335093/page.htm", "https://itsc.nju.edu.cn/wlyxqk/list2.htm"),
    "022": (10, "https://icec.nefu.edu.cn/info/1085/2276.htm", "https://icec.nefu.edu.cn/info/1085/2139.htm",
            "https://icec.nefu.edu.cn/xwzx/32.htm"),
    "037": (10, "http://ai.nankai.edu.cn/info/1018/6186.htm", "http://ai.nankai.edu.cn/info/1018/6043.htm",
            "http://ai.nankai.edu.cn/xwzx/zxdt/26.htm"),
}
# The real news.nankai.edu.cn lists draw their pager with a script
# (ywsd/system/count/0003000/…/count_page_list_….js into #pagetemple), numbering older pages
# down from a total only that script knows: a crawl of the real site reads page 1 only.
PAGER_UNREAD = {"005": "news.nankai.edu.cn draws its pager with count_page_list_….js: no link to follow"}


def followed(name: str):
    """The list page's article links as the spider keeps them, and its next list page."""
    url = page_url(name)
    site = site_for_url(url)
    assert site is not None, f"{name}: no site configured for {url}"
    listing = site.lists.from_bytes(url, (REALPAGES / name / "page.html").read_bytes(), site,
                                    {"Content-Type": "text/html"})
    return listing.article_links, listing.next_page or site.list_page(url, 2)


@needs_realpages
@pytest.mark.parametrize("name", pages("list") or ["-"], ids=lambda n: n[:3])
def test_list_page_article_links(name):
    count, first, last, _ = LISTS[name[:3]]
    articles, _ = followed(name)
    assert (len(articles), articles[0], articles[-1]) == (count, first, last), articles


@needs_realpages
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.xfail(reason=PAGER_UNREAD[n[:3]], strict=True)] if n[:3] in PAGER_UNREAD else [])
    for n in pages("list")
] or ["-"], ids=lambda n: n[:3])
def test_list_page_next_page(name):
    expected = LISTS[name[:3]][3]
    _, next_url = followed(name)
    if name[:3] in PAGER_UNREAD:
        assert next_url is not None, "the crawl finds no older list page"
    else:
        assert next_url == expected


def scores() -> dict[str, str]:
    """Per field, how many article pages newsbot reads right (xfails counted as wrong)."""
    names = pages("article")
    return {field: f"{sum(field_ok(n, field)[0] for n in names)}/{len(names)}" for field in FIELDS}


if __name__ == "__main__":  # python -m tests.test_realpages
    print(scores())
