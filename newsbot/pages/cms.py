"""Article pages of the campus CMS families (docs/sites-html.md): most Chinese university news sites
run on one of a few CMSs, each with a recognisable body container. A site of a known family
is a few lines of ``campus.yaml``: its pages are read by the family's page object here (its
URL shapes and pagers are in ``newsbot.sites.families``).
"""

from __future__ import annotations

import re
from datetime import datetime

from newsbot.dates import parse_date
from newsbot.pages.base import ArticlePage


class VsbPage(ArticlePage):
    """博达 VSB: /info/1011/12345.htm, body div.v_news_content inside the news form."""

    title_css = ("form[name=_newscontent_fromname] h1", "form[name=_newscontent_fromname] .titlestyle",
                 ".titlestyle", ".article-title", "h1", "h2")
    body_css = ("form[name=_newscontent_fromname] div.v_news_content", "div.v_news_content",
                "#vsb_content", "[id^=vsb_content]")
    # The meta line inside the news form (<div class="time">2022-03-09<em>作者：</em>…); other
    # templates label it (发布时间：…), which ArticlePage.published reads.
    date_css = ("form[name=_newscontent_fromname] .time", "form[name=_newscontent_fromname] [class*=date]")


class WebPlusPage(ArticlePage):
    """WebPlus (大汉/新闻系统): /2023/0518/c1234a56789/page.htm or /28/e4/c1234a56789/page.htm,
    body div.wp_articlecontent."""

    title_css = (".arti_title", ".arti-title", "h1.title", "h1", "h2")
    body_css = ("div.wp_articlecontent", ".wp_articlecontent")
    date_css = (".arti_update", ".arti-update", ".arti_metas")


# The publication time TRS WCM's article template hands its scripts: var __$pubtime='…'.
_TRS_PUBTIME = re.compile(r"""__\$pubtime\s*=\s*['"]([^'"]{8,30})['"]""")


class TrsPage(ArticlePage):
    """TRS WCM: /xwzx/202305/t20230518_123456.html, body div.TRS_Editor."""

    title_css = (".article-title", ".title h1", "h1", ".title", "h2")
    body_css = ("div.TRS_Editor", ".TRS_Editor", ".trs_editor_view", "#zoom")
    date_css = (".pub-time", ".pubDate", ".pubdate", ".pubtime")

    def script_date(self) -> datetime | None:
        """The time the template hands its scripts (to the second)."""
        match = _TRS_PUBTIME.search(self.input.text) if b"pubtime" in self.input.body else None
        return parse_date(match.group(1)) if match else None


# What each family's pages carry, to tell the family of a page no site entry names.
MARKERS = {
    "vsb": ("v_news_content", "vsb_content", "_newscontent_fromname", "Visual SiteBuilder", "vsbscreen"),
    "webplus": ("wp_articlecontent", "sudy-wp", "<!--Start||content-->", "/_js/"),
    "trs": ("TRS_Editor", "trs_editor", "createPageHTML", "TRS WCM"),
}
PAGES = {"vsb": VsbPage, "webplus": WebPlusPage, "trs": TrsPage}


def detect_family(html: str) -> str | None:
    """The family whose markers a page carries most of."""
    scores = {name: sum(marker in html for marker in markers) for name, markers in MARKERS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


class DetectedCmsPage(ArticlePage):
    """For a configured site that names no family: read each page with the rules of the
    family its markers show."""

    def __new__(cls, page):
        family = detect_family(page.text)
        page_class = PAGES[family] if family else ArticlePage
        return page_class(page)


def configured_page(family: str | None, selectors: dict | None) -> type:
    """The page object for a sites-file entry: its family's, with explicit selectors first."""
    base = PAGES[family] if family else DetectedCmsPage
    if not selectors:
        return base
    if base is DetectedCmsPage:
        base = ArticlePage
    attrs = {
        f"{field}_css": tuple(selectors[field]) + getattr(base, f"{field}_css")
        for field in ("title", "body", "date")
        if selectors.get(field)
    }
    if selectors.get("remove"):
        attrs["remove_css"] = tuple(selectors["remove"])
    return type("ConfiguredPage", (base,), attrs)
