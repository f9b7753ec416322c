"""Output profiles (FORMAT.md): ``hexo``, ``jekyll`` and ``text``, and the atomic file write.

Writers know nothing of HTML or sites: they format an Article whose fields the pipelines
have already cleaned, plus the profile's options (blog name, category slug, ...).
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Callable

import yaml

from .dates import to_local
from .items import Article

# FORMAT.md: characters that make YAML misread a bare title.
_YAML_HOSTILE = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$|[\t\n\r]")


def yaml_scalar(value: str) -> str:
    """A YAML scalar that loads back as exactly ``value``: bare when that is safe (as the
    seeds write titles), double-quoted otherwise."""
    if value and not _YAML_HOSTILE.search(value) and "\n" not in value and value == value.strip():
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return double_quoted(value)


def double_quoted(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_style='"', width=1 << 30)
    return dumped.rstrip("\n").removesuffix("\n...")


def _local_time(article: Article) -> datetime:
    return to_local(article.published or article.crawled_at)


def render_hexo(article: Article, options: dict) -> str:
    source, blog = article.source, options["blog"]
    date = _local_time(article).strftime("%Y-%m-%d %H:%M:%S")
    lines = [
        "---",
        f"title: {yaml_scalar(f'{source}->{article.title} | {blog}')}",
        f"date: {date}",
        f"urlname: {article.urlname}",
        f"slug: {article.urlname}",
        "tags: ",  # the seeds have this trailing space
        f"- {yaml_scalar(source)}",
        "categories:",
        f"- {yaml_scalar(blog)}",
        f"- {yaml_scalar(source)}",
        "authorbox: false",
        "sidebar: false",
        "---",
        article.body_markdown,
        "",
        f"[转入文章首发地址]({article.url})",
    ]
    return "\n".join(lines) + "\n"


def render_jekyll(article: Article, options: dict) -> str:
    # One category per outlet: the article's own outlet, its slug from the site's table.
    outlet = article.outlet or options["outlet"]
    category = options.get("category") or options.get("categories", {}).get(outlet)
    if not category:
        raise ValueError(f"no jekyll category slug for outlet {outlet!r}: add it to the site's profile options")
    site = options["site"].rstrip("/")
    date = _local_time(article).strftime("%Y-%m-%d %H:%M:%S %z")
    lines = [
        "---",
        "layout: post",
        f"title: {double_quoted(article.title)}",
        f"date: {date}",
        f"categories: {category}",
        f"tags: {outlet}新闻",
        "---",
        article.body_html,
        "",
        f"<{article.url}>",
        "",
        f"[返回{outlet}新闻]({site}/category/{category}.html)｜[返回首页]({site}/)",
    ]
    return "\n".join(lines) + "\n"


def render_text(article: Article, options: dict) -> str:
    return "\n".join([article.title, *article.body_text.split("\n")]) + "\n"


class Profile:
    def __init__(self, name: str, render: Callable[[Article, dict], str], filename: Callable[[Article], str]):
        self.name, self.render, self.filename = name, render, filename


PROFILES = {
    "hexo": Profile("hexo", render_hexo, lambda a: f"{a.urlname}.md"),
    # Jekyll only publishes posts named YYYY-MM-DD-slug.
    "jekyll": Profile("jekyll", render_jekyll, lambda a: f"{_local_time(a):%Y-%m-%d}-{a.urlname}.md"),
    "text": Profile("text", render_text, lambda a: f"{a.urlname}.txt"),
}


def parse_profiles(value) -> list[str]:
    names = [v.strip() for v in (value.split(",") if isinstance(value, str) else value or []) if v.strip()]
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        raise ValueError(f"unknown output profile(s) {unknown}; known: {sorted(PROFILES)}")
    return names


TEMP_PREFIX = ".newsbot-tmp-"


def write_atomic(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Write ``text`` to ``path`` so that readers, and a crash, see the old file or the
    whole new one, never a part: temp file in the same directory, fsync, rename, fsync dir.
    ``durable=False`` leaves the fsyncs to the caller, who syncs a batch of files at once
    (``newsbot.pipelines.sync_files``) before recording them as written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temp_files(root: Path) -> int:
    """Temp files left by a killed run: never complete, always safe to delete."""
    removed = 0
    if root.exists():
        for tmp in root.rglob(f"{TEMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
