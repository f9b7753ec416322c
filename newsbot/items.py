"""The article item: one record per canonical URL, fields as docs/format.md's JSONL record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter

if TYPE_CHECKING:
    from lxml import etree


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass
class Article:
    url: str  # canonical once the URL pipeline has run; the fetched URL before
    title: str | None = None
    site: str = ""  # the configured site that produced it (newsbot.sites key)
    source: str = ""  # the source's display name (南开大学)
    column: str | None = None  # the site's section (南开要闻)
    columns: list[str] = field(default_factory=list)  # every section that listed it
    outlet: str | None = None  # 来源: the outlet the page credits, its name only (人民日报)
    outlet_edition: str | None = None  # what 来源 states beside the name: 2024年10月18日 1版
    published: datetime | None = field(default=None, metadata={"serializer": _iso})
    published_raw: str | None = None  # the date text as found, kept for debugging misreads
    crawled_at: datetime | None = field(default=None, metadata={"serializer": _iso})
    # A correction (docs/crawling.md, "Corrections"): when newsbot rewrote the article because the
    # site changed it (the crawled_at of this record); null in the article's first record.
    updated: datetime | None = field(default=None, metadata={"serializer": _iso})
    byline: str | None = None  # as stated: 记者 吴军辉 摄影 宗琪琪
    author: list[str] = field(default_factory=list)  # the byline's person names
    summary: str | None = None
    body_markdown: str | None = None
    body_text: str | None = None
    body_html: str | None = None  # the body as clean HTML (the clean step writes it)
    images: list[str] = field(default_factory=list)
    # The files the article attaches ({"url", "text"}: absolute URL, the link's text) and its
    # videos ({"url", "poster", "embed"}: embed is a platform's player page, not a file), in
    # page order (newsbot.html.media).
    attachments: list[dict] = field(default_factory=list)
    videos: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    urlname: str | None = None
    extractor: str = "site"  # "site" (a site's own rules) or "fallback" (generic extractor)
    # Not part of the record: the body the extractor found (an element of the page, or HTML),
    # which the clean step (newsbot.extract.clean_article) reads and then lets go of.
    body: etree._Element | str | None = field(default=None, repr=False, compare=False, metadata={"record": False})
    # Not part of the record: set by a pipeline when the article is written but a part of it
    # should be tried again by a later run (newsbot.crawl.pipelines.write.WriteFilesPipeline.flush).
    retry_reason: str | None = field(default=None, repr=False, metadata={"record": False})
    # Not part of the record: NEWSBOT_IMAGES=local, the body images stored beside the post,
    # remote URL -> file name (newsbot.publish.images); the profiles' renderers refer to those.
    local_images: dict[str, str] = field(default_factory=dict, repr=False, metadata={"record": False})
    # Not part of the record: NEWSBOT_ATTACHMENTS=local, the attachments stored beside the post,
    # remote URL -> file name (newsbot.publish.attachments).
    local_attachments: dict[str, str] = field(default_factory=dict, repr=False, metadata={"record": False})
    # Not part of the record: the page's validators, kept in the state so that a revisit asks
    # for the page conditionally (newsbot.crawl.revisits).
    etag: str | None = field(default=None, repr=False, metadata={"record": False})
    last_modified: str | None = field(default=None, repr=False, metadata={"record": False})
    # Not part of the record: a revisit of a written article (its state entry, a Revisit):
    # written only when its record changed, as a correction.
    revisit: object = field(default=None, repr=False, compare=False, metadata={"record": False})
    # Not part of the record: the attachments the body does not link (a CMS's list after it),
    # which the clean step adds to the Markdown and the clean HTML.
    attachments_after: list[dict] = field(default_factory=list, repr=False, metadata={"record": False})


# The JSONL record's fields, in order: every field but those marked ``record: False``. The
# feed exporter (``-o``/``-O``) writes these only (settings.FEED_EXPORT_FIELDS).
RECORD_FIELDS = tuple(f.name for f in fields(Article) if f.metadata.get("record", True))
_ARTICLE_FIELDS = frozenset(f.name for f in fields(Article))


def as_article(item) -> Article:
    """An item as an Article: newsbot's own, or any item Scrapy knows (a dict, an attrs or
    pydantic item from another spider or middleware) read through ItemAdapter."""
    if isinstance(item, Article):
        return item
    return Article(**{name: value for name, value in ItemAdapter(item).items() if name in _ARTICLE_FIELDS})


def article_record(item) -> dict:
    """The JSONL record of an item, each field through its serializer (as the feed
    exporter applies them)."""
    adapter = ItemAdapter(item)
    return {name: adapter.get_field_meta(name).get("serializer", _as_is)(adapter.get(name)) for name in RECORD_FIELDS}


def _as_is(value):
    return value


# What a correction must change: every field of the record but these (when it was fetched,
# and the columns that list it, which the state keeps).
NOT_CONTENT = ("crawled_at", "updated", "columns")


def record_digest(record: dict) -> str:
    """The digest of a record's content: two fetches of an unchanged article have the same."""
    content = {name: value for name, value in record.items() if name not in NOT_CONTENT}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
