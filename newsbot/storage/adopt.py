"""Adopting an existing blog, and rebuilding a lost state, from files already written.

``adopt_posts``: front-matter posts written by something else (the hand-written scrapers
of ../shared/seeds, or an older newsbot) are registered in the state under their own
``urlname``, keyed by the canonical form of the source URL they link to, so the next crawl
writes no second copy, even where the old urlname is the MD5 of an ``http://`` URL. New
articles keep the MD5-of-canonical-URL rule (``newsbot.urls``).

``rebuild_state``: a state lost or corrupt is rebuilt from the JSONL feeds and the files
under the output directory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsbot.sites import site_for_url
from newsbot.storage.state.sqlite import SqliteStateStore
from newsbot.urls import canonical_url

# Where each profile states the article's source URL (FORMAT.md).
SOURCE_LINKS = (
    re.compile(r"^\[转入文章首发地址\]\((\S+?)\)\s*$", re.M),  # hexo
    re.compile(r"^<(https?://[^>\s]+)>\s*$", re.M),  # jekyll
)


@dataclass
class Adopted:
    path: Path
    urlname: str | None = None
    url: str | None = None
    site: str | None = None
    why_not: str | None = None  # set when the post was not adopted


def read_post(path: Path) -> Adopted:
    """The urlname and canonical source URL a front-matter post states."""
    text = path.read_text(encoding="utf-8", errors="replace")
    post = Adopted(path)
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        post.why_not = "no front matter"
        return post
    front, body = text[4:].split("\n---\n", 1)
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        post.why_not = f"front matter is not YAML ({exc.__class__.__name__})"
        return post
    links = [m.group(1) for pattern in SOURCE_LINKS for m in pattern.finditer(body)]
    if not links:
        post.why_not = "no source URL in the post"
        return post
    site = site_for_url(links[-1])
    if site is None:
        post.why_not = f"no configured site for {links[-1]}"
        return post
    post.site = site.name
    post.url = canonical_url(links[-1], site.scheme)
    urlname = meta.get("urlname") or meta.get("slug") or path.stem.split("-")[-1]
    post.urlname = str(urlname)
    return post


def adopt_posts(store: SqliteStateStore, paths) -> list[Adopted]:
    """Register every post under ``paths`` (files or folders of .md files)."""
    results = []
    for root in map(Path, paths):
        files = sorted(root.rglob("*.md")) if root.is_dir() else [root]
        for path in files:
            post = read_post(path)
            if post.why_not is None and not store.adopt(post.urlname, post.url, post.site, "adopted"):
                post.why_not = "already in the state"
            results.append(post)
    return results


def rebuild_state(output: Path, store: SqliteStateStore) -> int:
    """Register every article of the output's JSONL feeds, with its files (so deleted ones
    are restored later) and its columns; returns how many."""
    files: dict[str, list] = {}
    for path in output.glob("*/*/*"):  # {site}/{profile}/{file}: the urlname ends the name
        if path.is_file() and not path.name.startswith("."):
            urlname = path.stem.rsplit("-", 1)[-1]
            files.setdefault(urlname, []).append((path.relative_to(output).as_posix(), path.stat().st_size))
    count = 0
    for feed in sorted((output / "feeds").glob("*.jsonl")):
        for line in feed.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                urlname, url, site = record["urlname"], record["url"], record["site"]
            except (ValueError, KeyError, TypeError):
                continue
            if store.adopt(urlname, url, site, record.get("crawled_at") or "rebuilt", files.get(urlname, ())):
                store.add_columns(url, record.get("columns") or [])
                count += 1
    return count
