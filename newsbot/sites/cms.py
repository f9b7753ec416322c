"""Campus CMS families (SITES.md): most Chinese university news sites run on one of a few
CMSs, each with a recognisable body container, URL shape and pager. A site of a known
family is a few lines of ``campus.yaml``; this module holds what the families share.
"""

from __future__ import annotations

from ..pages import ArticlePage


class VsbPage(ArticlePage):
    """博达 VSB: /info/1011/12345.htm, body div.v_news_content inside the news form."""

    title_css = ("form[name=_newscontent_fromname] h1", "form[name=_newscontent_fromname] .titlestyle",
                 ".titlestyle", ".article-title", "h1", "h2")
    body_css = ("form[name=_newscontent_fromname] div.v_news_content", "div.v_news_content",
                "#vsb_content", "[id^=vsb_content]")


class WebPlusPage(ArticlePage):
    """WebPlus (大汉/新闻系统): /2023/0518/c1234a56789/page.htm or /28/e4/c1234a56789/page.htm,
    body div.wp_articlecontent."""

    title_css = (".arti_title", ".arti-title", "h1.title", "h1", "h2")
    body_css = ("div.wp_articlecontent", ".wp_articlecontent")
    date_css = (".arti_update", ".arti-update", ".arti_metas")


class TrsPage(ArticlePage):
    """TRS WCM: /xwzx/202305/t20230518_123456.html, body div.TRS_Editor."""

    title_css = (".article-title", ".title h1", "h1", ".title", "h2")
    body_css = ("div.TRS_Editor", ".TRS_Editor", ".trs_editor_view", "#zoom")


# family name -> (page object, default article URL pattern, pager, pager offset, markers)
FAMILIES = {
    "vsb": (VsbPage, r"/info/\d+/\d+\.htm$", None, 0,
            ("v_news_content", "vsb_content", "_newscontent_fromname", "Visual SiteBuilder", "vsbscreen")),
    # WebPlus article paths are dated (/2023/0518/…) or hashed (/28/e4/…) by site setting.
    "webplus": (WebPlusPage, r"/(?:\d{4}/\d{4}|[0-9a-f]{2}/[0-9a-f]{2})/c\d+a\d+/page\.html?$", "list{n}.htm", 1,
                ("wp_articlecontent", "sudy-wp", "<!--Start||content-->", "/_js/")),
    "trs": (TrsPage, r"/t\d{8}_\d+\.s?html?$", "index_{n}.html", 0,
            ("TRS_Editor", "trs_editor", "createPageHTML", "TRS WCM")),
}


def detect_family(html: str) -> str | None:
    """The family whose markers a page carries most of."""
    scores = {name: sum(marker in html for marker in spec[4]) for name, spec in FAMILIES.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


class DetectedCmsPage(ArticlePage):
    """For a configured site that names no family: read each page with the rules of the
    family its markers show."""

    def __new__(cls, response):
        family = detect_family(response.text)
        page_class = FAMILIES[family][0] if family else ArticlePage
        return page_class(response)


def configured_page(family: str | None, selectors: dict | None) -> type:
    """The page object for a sites-file entry: its family's, with explicit selectors first."""
    base = FAMILIES[family][0] if family else DetectedCmsPage
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
