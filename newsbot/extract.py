"""One path from a page's bytes to its finished record, shared by the crawl (in a worker
process: ``read_page``), ``newsbot extract``, the golden files and the bench.

``extract``: bytes (and headers) in, an uncleaned ``Article`` out: the same charset repair
(``newsbot.html.charset``), the same site (by URL host; the generic extractor for a host
with no configuration), the same page object with the generic extractor as its fallback.
The article leaves with ``site``, ``source`` and its URL in canonical form with the site's
scheme, so nothing after it needs to look sites up.

``prepare``: the steps a crawl applies before dedupe and writing, in the same order: clean
and validate (``clean_article``: title, paragraphs, Markdown, text, clean HTML, byline),
normalise the publication time, canonicalise and hash the URL.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

from lxml import etree

from newsbot.dates import SHANGHAI, normalise_published
from newsbot.errors import Dropped
from newsbot.html.body import read_body, read_element
from newsbot.html.markdown import attachment_block, blocks_summary, blocks_to_markdown, blocks_to_text
from newsbot.html.sanitise import attachment_html, final_pass
from newsbot.items import Article
from newsbot.pages.base import ArticlePage
from newsbot.pages.generic.extraction import GenericArticlePage, GenericExtraction
from newsbot.pages.page_input import PageInput
from newsbot.sites import Site, get_site, site_for_url
from newsbot.text import byline_names, clean_text, find_byline, remove_pinyin, split_outlet
from newsbot.urls import canonical_url, host_of, url_hash


def extract(url: str, body: bytes, headers=None, site: Site | None = None, *,
            encoding: str | None = None, fetched_url: str | None = None) -> Article:
    """Read one article page.

    ``url`` is the article's identity (the URL a list gave); ``fetched_url`` where the
    bytes came from when a redirect moved it (links in the page are relative to it).
    Raises ``ValueError`` for a URL that is not http(s) with a host.
    """
    site = site or site_for_url(url)
    identity = canonical_url(url, site.scheme if site else "https")
    page = PageInput(fetched_url or url, body, headers, encoding)
    if site is None:  # a host with no configuration: the generic extractor reads it all
        article = extract_article(GenericArticlePage(page))
        article.extractor = "fallback"
        article.source = host_of(url)
    else:
        article = extract_article(site.page(page), fallback=GenericArticlePage)
        article.site, article.source = site.name, site.display_name
    article.url = identity
    return article


def extract_article(page: ArticlePage, fallback: type[ArticlePage] | None = None) -> Article:
    """Everything a page object finds, as an Article (uncleaned: the pipelines clean it).

    When the page object finds no body, the ``fallback`` page object (the generic
    extractor's) reads the same page, and the article is marked ``extractor="fallback"``.
    """
    fields = page.fields
    article = Article(url=page.url, title=fields["title"], column=fields["column"], byline=fields["byline"])
    article.outlet, article.outlet_edition = split_outlet(fields["outlet"])
    article.published = fields["published"]
    if fields["body"] is None and fallback is not None:
        found = fallback(page.input).fields
        if found["body"] is not None:
            fields = found
            article.extractor = "fallback"
            article.title = article.title or found["title"]
            article.published = article.published or found["published"]
    if article.published is None:
        # The site's rules found no date: search the page the generic way (a date beside
        # the title, labelled or not, meta tags, scripts, the URL).
        article.published = GenericExtraction(page.input).published
    article.videos = fields["videos"]
    if fields["body"] is not None:
        own, listed_after = fields["attachments"]
        article.attachments, article.attachments_after = own + listed_after, listed_after
        article.body = fields["body"]
    return article


# --- the clean steps -----------------------------------------------------------------
def clean_article(article: Article, convert=None) -> Article:
    """Clean the title and turn the extracted body into paragraphs, Markdown, text, clean
    HTML, images and summary. ``convert`` is an optional text converter (OpenCC)."""
    finish = (lambda s: convert(remove_pinyin(s))) if convert else remove_pinyin
    article.title = finish(clean_text(article.title))
    if not article.title:
        raise Dropped("no_title", f"no title on {article.url}")
    body = article.body if article.body is not None else article.body_html
    if isinstance(body, etree._Element):
        blocks, html = read_element(body, article.url)  # (the page's own element)
    else:
        blocks, html = read_body(body, article.url) if body else ([], "")
    article.body = None
    if convert:
        blocks = [b._replace(text=convert(b.text), markdown=convert(b.markdown)) for b in blocks]
    if not blocks:  # photo news (images only, captions or not) is an article
        raise Dropped("no_body", f"no body text on {article.url} (and no images)")
    if article.attachments_after:  # (a CMS's list after the body: the posts link those too)
        blocks = blocks + [attachment_block(item) for item in article.attachments_after]
        html += "".join(attachment_html(item) for item in article.attachments_after)
        article.attachments_after = []
    article.body_markdown = blocks_to_markdown(blocks)
    article.body_text = blocks_to_text(blocks)
    article.summary = blocks_summary(blocks)
    article.images = [b.src for b in blocks if b.is_image]
    article.body_html = final_pass(html)
    article.byline = article.byline or find_byline([b.text for b in blocks if b.is_text])
    article.author = article.author or byline_names(article.byline)
    article.outlet = clean_text(article.outlet) or None
    article.columns = list(dict.fromkeys([*article.columns, *([article.column] if article.column else [])]))
    article.column = article.column or (article.columns[0] if article.columns else None)
    article.tags = article.tags or [article.source]
    article.categories = article.categories or [c for c in (article.source, article.column) if c]
    return article


def normalise_date(article: Article, now: datetime | None = None) -> Article:
    now = now or datetime.now(timezone.utc)
    raw = article.published
    article.published_raw = raw.isoformat() if isinstance(raw, datetime) else raw
    article.published = normalise_published(raw, SHANGHAI, now)
    article.crawled_at = (article.crawled_at or now).astimezone(SHANGHAI)
    return article


def canonicalise(article: Article, https_image_hosts=()) -> Article:
    """The article's canonical URL and its hash; its images on ``https_image_hosts`` over
    https (``https_images``)."""
    # extract() wrote the URL with its site's scheme; keep that scheme.
    article.url = canonical_url(article.url, urlsplit(article.url).scheme)
    article.urlname = url_hash(article.url)
    return https_images(article, https_image_hosts) if https_image_hosts else article


def https_images(article: Article, hosts) -> Article:
    """``http://`` image URLs on ``hosts`` (which serve their images over https too:
    ``Site.https_images``, used with NEWSBOT_HTTPS_IMAGES) written ``https://``, alike in
    the record's ``images``, the Markdown (``![…](URL``) and the clean HTML (``<img
    src="URL``), where every image URL of the article was already written safe (absolute,
    percent-encoded: ``newsbot.html.links.absolute_url``). A URL with a port of its own, on
    another host, or a link that is no image, is left as it is."""
    host = f"(?:{'|'.join(map(re.escape, hosts))})"
    url = re.compile(rf"http://(?={host}[/?#]|{host}$)", re.I)
    markdown = re.compile(rf"(!\[[^\]\n]*\]\()http://(?={host}[/?#)])", re.I)
    html = re.compile(rf'(<img\b[^>]*?\ssrc=")http://(?={host}[/?#"])', re.I)
    article.images = [url.sub("https://", image, count=1) if url.match(image) else image for image in article.images]
    if article.body_markdown:
        article.body_markdown = markdown.sub(r"\1https://", article.body_markdown)
    if article.body_html:
        article.body_html = html.sub(r"\1https://", article.body_html)
    return article


def prepare(article: Article, convert=None, now: datetime | None = None, https_image_hosts=()) -> Article:
    """Every step a crawl applies before dedupe and writing, in the same order."""
    return canonicalise(normalise_date(clean_article(article, convert), now), https_image_hosts)


def chinese_converter(config: str | None):
    """``NEWSBOT_CHINESE=s2t`` (or t2s, …): convert text with OpenCC; off when unset."""
    if not config:
        return None
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("NEWSBOT_CHINESE needs OpenCC: pip install '.[chinese]' (from the checkout)") from exc
    return opencc.OpenCC(config).convert


_converters: dict = {}


def read_page(url: str, body: bytes, headers: dict | None, site_name: str, fetched_url: str,
              encoding: str | None, columns: list[str], chinese: str | None) -> Article:
    """Read an article page (``extract``) and clean it (``clean_article``), in one call: one
    round trip to a worker process (``newsbot.crawl.workers``), not two. ``encoding``: the
    charset the crawl already settled on (its charset middleware ran the same repair), so the
    bytes are not examined a second time. Raises ``Dropped`` for a page without a title or a
    body."""
    article = extract(url, body, headers, site=get_site(site_name), fetched_url=fetched_url, encoding=encoding)
    article.columns = list(columns)
    article.column = article.column or (columns[0] if columns else None)
    if chinese not in _converters:
        _converters[chinese] = chinese_converter(chinese)
    return clean_article(article, _converters[chinese])
