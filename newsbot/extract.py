"""One extraction path: a page's bytes (and headers) in, an uncleaned ``Article`` out.

The spiders, ``newsbot extract`` and the bench all call ``extract``, so a saved page reads
exactly as a crawl reads it: the same charset repair (``newsbot.charset``), the same site
(by URL host; the generic extractor for a host with no configuration), the same page
object with the generic extractor as its fallback. The article leaves with ``site``,
``source`` and its URL in canonical form with the site's scheme, so the pipelines need
not look sites up.
"""

from __future__ import annotations

from scrapy.http import HtmlResponse

from .charset import content_type_of, repair
from .generic import GenericArticlePage, GenericExtraction, extract_generic
from .items import Article
from .pages import ArticlePage, drop_editorial_tail, drop_layout_images, drop_unjoinable_links, make_response
from .sites import Site, site_for_url
from .text import split_outlet
from .urls import canonical_url, host_of


def decoded_response(url: str, body: bytes, headers=None, encoding: str | None = None) -> HtmlResponse:
    """The response a crawl hands to the spider for these bytes: Scrapy's charset rules,
    then the Chinese charset repair. ``encoding`` forces a charset instead."""
    if encoding is None:
        fix = repair(body, content_type_of(headers))
        encoding = fix.encoding if fix else None
    return make_response(url, body, encoding, headers)


def extract(url: str, body: bytes, headers=None, site: Site | None = None, *,
            encoding: str | None = None, fetched_url: str | None = None) -> Article:
    """Read one article page.

    ``url`` is the article's identity (the URL a list gave); ``fetched_url`` where the
    bytes came from when a redirect moved it (links in the page are relative to it).
    Raises ``ValueError`` for a URL that is not http(s) with a host.
    """
    site = site or site_for_url(url)
    identity = canonical_url(url, site.scheme if site else "https")
    response = decoded_response(fetched_url or url, body, headers, encoding)
    if site is None:  # a host with no configuration: the generic extractor reads it all
        article = extract_article(GenericArticlePage(response))
        article.extractor = "fallback"
        article.source = host_of(url)
    else:
        article = extract_article(site.page(response), fallback=extract_generic)
        article.site, article.source = site.name, site.display_name
    article.url = identity
    return article


def extract_article(page: ArticlePage, fallback=None) -> Article:
    """Everything a page object finds, as an Article (uncleaned: the pipelines clean it).

    When the page object finds no body, ``fallback`` (the generic extractor) is asked,
    and the article is marked ``extractor="fallback"``.
    """
    fields = page.fields
    article = Article(url=page.url, title=fields["title"], column=fields["column"], byline=fields["byline"])
    article.outlet, article.outlet_edition = split_outlet(fields["outlet"])
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
        article.published = GenericExtraction(page.response).published
    if body is not None:
        if not isinstance(body, str):
            drop_layout_images(body)
            drop_editorial_tail(body)
            drop_unjoinable_links(body, page.url)
        article.body = body
    return article
