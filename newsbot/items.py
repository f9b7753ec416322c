"""The article item: one record per canonical URL, fields as FORMAT.md's JSONL record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    body_html: str | None = None  # the extractor's body; clean HTML after the clean pipeline
    images: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    urlname: str | None = None
    extractor: str = "site"  # "site" (a site's own rules) or "fallback" (generic extractor)
    # Not part of the record: set by a pipeline when the article is written but a part of it
    # should be tried again by a later run (newsbot.pipelines.WriteFilesPipeline.flush).
    retry_reason: str | None = field(default=None, repr=False, metadata={"record": False})
