"""The article item: one record per canonical URL, fields as FORMAT.md's JSONL record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

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
    byline: str | None = None  # as stated: 记者 吴军辉 摄影 宗琪琪
    author: list[str] = field(default_factory=list)  # the byline's person names
    summary: str | None = None
    body_markdown: str | None = None
    body_text: str | None = None
    body_html: str | None = None  # the body as clean HTML (the clean step writes it)
    images: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    urlname: str | None = None
    extractor: str = "site"  # "site" (a site's own rules) or "fallback" (generic extractor)
    # Not part of the record: the body the extractor found (an element of the page, or HTML),
    # which the clean step (newsbot.pipelines.clean_article) reads and then lets go of.
    body: etree._Element | str | None = field(default=None, repr=False, compare=False, metadata={"record": False})
    # Not part of the record: set by a pipeline when the article is written but a part of it
    # should be tried again by a later run (newsbot.pipelines.WriteFilesPipeline.flush).
    retry_reason: str | None = field(default=None, repr=False, metadata={"record": False})
    # Not part of the record: NEWSBOT_IMAGES=local, the body images stored beside the post,
    # remote URL -> file name (newsbot.images); the profiles' renderers refer to those.
    local_images: dict[str, str] = field(default_factory=dict, repr=False, metadata={"record": False})
