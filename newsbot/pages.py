"""Page objects: what one saved article page means, apart from how it was fetched.

An ``ArticlePage`` is built from a response (URL + HTML). Site classes list their
selectors as class attributes at the top and override a field method only where their
site needs more than a selector. The spiders, ``newsbot extract`` and the tests all go
through ``extract_article``.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property

from lxml import etree
from scrapy.http import HtmlResponse, TextResponse

from .body import inline_text
from .dates import date_from_url, parse_date
from .items import Article
from .text import clean_text

META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "publishdate", "PubDate", "pubdate",
    "publish_date", "created", "dc.date", "DC.date.issued", "date",
)


def make_response(url: str, body: bytes, encoding: str | None = None) -> HtmlResponse:
    """A response as Scrapy would build it from the server's bytes (same charset rules)."""
    return HtmlResponse(url, body=body, encoding=encoding)


class ArticlePage:
    # Selectors (CSS), tried in order; the first that matches wins.
    title_css: tuple[str, ...] = ("h1",)
    body_css: tuple[str, ...] = ()
    date_css: tuple[str, ...] = ()
    outlet_pattern = re.compile(r"来源\s*[:：]\s*([^\s|｜<>]{2,40})")
    # Elements inside the body that are page chrome, not article (share bars, editors).
    remove_css: tuple[str, ...] = ()

    def __init__(self, response: TextResponse):
        self.response = response
        self.url = response.url

    # --- fields -----------------------------------------------------------------------
    def title(self) -> str | None:
        for css in self.title_css:
            found = self.response.css(css)
            text = clean_text(inline_text(found[0].root)) if found else ""
            if text:
                return text
        return self.head_title()

    def head_title(self) -> str | None:
        return clean_text(self.response.xpath("//title//text()").get()) or None

    def body(self) -> etree._Element | None:
        for css in self.body_css:
            found = self.response.css(css)
            if found:
                root = found[0].root
                for noise in self.remove_css:
                    for el in found[0].css(noise):
                        el.root.getparent().remove(el.root)
                return root
        return None

    def published(self) -> datetime | None:
        for css in self.date_css:
            value = parse_date(" ".join(self.response.css(css).xpath(".//text()").getall()))
            if value:
                return value
        return self.meta_date() or self.labelled_date() or date_from_url(self.url)

    def meta_date(self) -> datetime | None:
        for name in META_DATE_NAMES:
            for attr in ("property", "name", "itemprop"):
                value = self.response.xpath(f"//meta[@{attr}=$n]/@content", n=name).get()
                parsed = parse_date(value)
                if parsed:
                    return parsed
        return None

    def labelled_date(self) -> datetime | None:
        """The first date that stands under a label such as 发布时间：…"""
        for text in self.response.xpath(
            "//body//text()[contains(., '时间') or contains(., '日期')]"
            "[not(ancestor::script) and not(ancestor::style)]"
        ).getall()[:20]:
            value = parse_date(text)
            if value:
                return value
        return None

    def outlet(self) -> str | None:
        for text in self.response.xpath(
            "//body//text()[contains(., '来源')][not(ancestor::script) and not(ancestor::style)]"
        ).getall():
            match = self.outlet_pattern.search(clean_text(text))
            if match:
                return match.group(1)
        return None

    def column(self) -> str | None:
        return None

    @cached_property
    def fields(self) -> dict:
        return {
            "title": self.title(),
            "published": self.published(),
            "outlet": self.outlet(),
            "column": self.column(),
            "body": self.body(),
        }


def extract_article(page: ArticlePage, fallback=None) -> Article:
    """Everything a page states, as an Article (uncleaned: the pipelines clean it).

    When the page object finds no body, ``fallback`` (the generic extractor) is asked,
    and the article is marked ``extractor="fallback"``.
    """
    fields = page.fields
    article = Article(url=page.url, title=fields["title"], outlet=fields["outlet"], column=fields["column"])
    article.published = fields["published"]
    body = fields["body"]
    if body is None and fallback is not None:
        found = fallback(page.response)
        body = found.get("body")
        if body is not None:
            article.extractor = "fallback"
            article.title = article.title or found.get("title")
            article.published = article.published or found.get("published")
    if article.published is None:
        # The site's rules found no date: search the page the generic way (a date beside
        # the title, labelled or not, meta tags, scripts, the URL).
        from .generic import GenericExtraction

        article.published = GenericExtraction(page.response).published
    if body is not None:
        article.body_html = body if isinstance(body, str) else etree.tostring(body, encoding="unicode", method="html")
    return article
