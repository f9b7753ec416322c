"""Adopting an existing blog, and rebuilding a lost state, from files already written.

``adopt_posts``: posts written by something else (the hand-written scrapers of
../shared/seeds, or an older newsbot) are registered in the state under their own
``urlname``, keyed by the canonical form of the source URL they link to, so the next crawl
writes no second copy, even where the old urlname is the MD5 of an ``http://`` URL or the
link is to a mirror of the site (``Site.mirrors``: seed 003's share page). New articles
keep the MD5-of-canonical-URL rule (``newsbot.urls``).

A ``text`` post (seed 004: the title, then the paragraphs) links no URL. Its article is
found by its title, by the crawl itself: ``TitleClaims`` keeps the title in the state until
the crawl reads an article of that site with that title (``DedupePipeline``), which is
then registered under the post's name instead of being written. Why not match at adoption:
the only records at hand then are the state's own (an article in them is known already)
and the fixtures' (a few test pages, not the site); the crawl reads every article it
could be. A text post carries no date, so the title alone must tell: two posts of one
title are not adopted (which is which cannot be told), and the first article the crawl
meets with a claimed title takes the claim.

``rebuild_state``: a state lost or corrupt is rebuilt from the JSONL feeds and the files
under the output directory (an article's last line is its current record; a tombstone
rebuilds its takedown).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsbot.sites import all_sites, get_site, site_for_source
from newsbot.storage.jsonl import ArticleLines, read_lines
from newsbot.storage.state.sqlite import SqliteStateStore
from newsbot.text import clean_text, remove_pinyin
from newsbot.urls import canonical_url

POST_SUFFIXES = (".md", ".markdown", ".txt")  # hexo and jekyll posts; text posts

# Where each profile states the article's source URL (docs/format.md).
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
    title: str | None = None  # a text post's: adopted by its title, matched by the crawl
    why_not: str | None = None  # set when the post was not adopted


# A post is read at its two ends only: the front matter at the start, the source line near
# the end (docs/format.md). However big a file, adopting it costs at most this much of each.
HEAD_BYTES = TAIL_BYTES = 64 * 1024


class NotAPost(OSError):
    """A path that is not a regular file (a FIFO, a device, a directory, a dangling link)."""


def read_ends(path: Path) -> str:
    """The text of the post at ``path``: all of it, or for a big file its first and last
    ``HEAD_BYTES``/``TAIL_BYTES`` joined by a blank line. Opened without following a
    symlink and without blocking (a FIFO), and read only when it is a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise NotAPost(exc.errno, exc.strerror, str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(fd).st_size
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAPost(f"{path} is not a regular file")
        if size <= HEAD_BYTES + TAIL_BYTES:
            data = handle.read()
        else:
            head = handle.read(HEAD_BYTES)
            handle.seek(size - TAIL_BYTES)
            data = head + b"\n\n" + handle.read(TAIL_BYTES)
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return text.removeprefix("\ufeff")  # a BOM some editors put first


def read_post(path: Path, text_site: str | None = None) -> Adopted:
    """The urlname and canonical source URL a front-matter post states; a text post's
    (``.txt``) title, for ``text_site`` (``text_post``)."""
    text = read_ends(path)
    post = Adopted(path)
    if path.suffix == ".txt":
        return text_post(post, text, text_site)
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        post.why_not = "no front matter"
        return post
    front, body = text[4:].split("\n---\n", 1)
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        post.why_not = f"front matter is not YAML ({exc.__class__.__name__})"
        return post
    if not isinstance(meta, dict):
        post.why_not = "front matter is not a mapping"
        return post
    links = [m.group(1) for pattern in SOURCE_LINKS for m in pattern.finditer(body)]
    if not links:
        post.why_not = "no source URL in the post"
        return post
    if not _set_source(post, links[-1]):
        return post
    urlname = meta.get("urlname") or meta.get("slug") or path.stem.split("-")[-1]
    post.urlname = str(urlname)
    return post


def _set_source(post: Adopted, link: str) -> bool:
    """The post's site and canonical article URL, from the link it states (the site's own
    URL or one of its mirrors'); False (and why) when no configured site has it."""
    found = site_for_source(link)
    if found is None:
        post.why_not = f"no configured site for {link}"
        return False
    site, url = found
    post.site, post.url = site.name, canonical_url(url, site.scheme)
    return True


def text_sites() -> list[str]:
    """The sites that write ``text`` posts: a text post is one of theirs."""
    return [site.name for site in all_sites() if site.profile == "text"]


def text_post(post: Adopted, text: str, site: str | None) -> Adopted:
    """A text post: its first line is the title. A line that is only a URL of a configured
    site (or mirror) is its source; without one it is adopted by its title, for ``site``
    (by default the one site that writes text posts)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        post.why_not = "an empty text post"
        return post
    post.urlname = post.path.stem  # newsbot's text posts are {urlname}.txt
    links = [line for line in lines[1:] if re.fullmatch(r"<?https?://\S+?>?", line)]
    if links and _set_source(post, links[-1].strip("<>")):
        return post
    if site is None:
        candidates = text_sites()
        if len(candidates) != 1:
            post.why_not = (f"a text post names no site, and {len(candidates)} sites write text posts "
                            f"({', '.join(candidates) or 'none'}): give --site")
            return post
        site = candidates[0]
    post.why_not, post.site, post.title = None, get_site(site).name, title_key(lines[0])
    if not post.title:
        post.why_not = "a text post without a title"
    return post


def title_key(title: str) -> str:
    """What two titles of one article share: the text cleaning rules' title (pinyin
    annotations removed, as the crawl removes them) without whitespace."""
    return "".join(remove_pinyin(clean_text(title)).split())


class TitleClaims:
    """Text posts adopted by their title, waiting for the crawl to meet their article:
    ``{site: {title_key: urlname}}`` in the state's meta (any backend has it)."""

    KEY = "adopted_titles"

    def __init__(self, store, convert=None):
        self.store = store
        self.claims: dict[str, dict[str, str]] = json.loads(store.get_meta(self.KEY) or "{}")
        # The crawl converts titles (NEWSBOT_CHINESE): the claimed titles too, to compare.
        self.convert = convert

    def __bool__(self) -> bool:
        return any(self.claims.values())

    def add(self, site: str, title: str, urlname: str) -> str | None:
        """Claim ``title`` of ``site`` for the post ``urlname``; why not, if not."""
        claimed = self.claims.setdefault(site, {})
        if urlname in self.store or claimed.get(title) == urlname:
            return "already in the state"
        if title in claimed:
            return f"another post ({claimed[title]}) has this title"
        claimed[title] = urlname
        return None

    def take(self, site: str, title: str) -> str | None:
        """The urlname of the post claiming this article's title (the claim then ends)."""
        claimed = self.claims.get(site)
        if not claimed:
            return None
        key = title_key(title)
        for claim in list(claimed):
            if (title_key(self.convert(claim)) if self.convert else claim) == key:
                urlname = claimed.pop(claim)
                self.save()
                return urlname
        return None

    def save(self) -> None:
        self.store.set_meta(self.KEY, json.dumps({s: c for s, c in self.claims.items() if c}, ensure_ascii=False))


def post_files(paths) -> tuple[list[Path], list[Path]]:
    """(the post files under ``paths``, in name order; what was skipped). A path given is
    a post file or a folder walked for POST_SUFFIXES files. In a folder, only regular files
    are posts: a symlink (to a file or a folder, inside the blog or not) is never followed,
    and an entry named like a post that is not a regular file (a directory, a FIFO, a
    dangling link) is skipped; both are listed as skipped."""
    files: list[Path] = []
    skipped: list[Path] = []

    def walk(folder: Path) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            path = Path(entry.path)
            named_like_a_post = path.suffix in POST_SUFFIXES
            if entry.is_symlink():
                if named_like_a_post or entry.is_dir():
                    skipped.append(path)
            elif entry.is_dir(follow_symlinks=False):
                if named_like_a_post:
                    skipped.append(path)
                walk(path)
            elif named_like_a_post:
                (files if entry.is_file(follow_symlinks=False) else skipped).append(path)

    for root in map(Path, paths):
        if root.is_dir():
            walk(root)
        elif root.is_file():
            files.append(root)
        else:
            skipped.append(root)
    return files, skipped


def adopt_posts(store: SqliteStateStore, files, text_site: str | None = None) -> list[Adopted]:
    """Register every post of ``files`` (``post_files``): by its source URL, or a text post
    by its title (``TitleClaims``); two text posts of one title are neither adopted."""
    posts = [_read(path, text_site) for path in files]
    titles: dict[tuple, list[Adopted]] = {}
    for post in posts:
        if post.why_not is None and post.title:
            titles.setdefault((post.site, post.title), []).append(post)
    claims = TitleClaims(store)
    for post in posts:
        if post.why_not is not None:
            continue
        if post.title is None:
            if not store.adopt(post.urlname, post.url, post.site, "adopted"):
                post.why_not = "already in the state"
        elif len(titles[post.site, post.title]) > 1:
            post.why_not = f"{len(titles[post.site, post.title])} posts have this title: which is the article cannot be told"
        else:
            post.why_not = claims.add(post.site, post.title, post.urlname)
    if titles:
        claims.save()
    return posts


def _read(path: Path, text_site: str | None) -> Adopted:
    try:
        return read_post(path, text_site)
    except NotAPost as exc:  # replaced by something else since it was listed
        return Adopted(path, why_not=f"not a regular file ({exc.strerror or exc})")


def rebuild_state(output: Path, store: SqliteStateStore) -> int:
    """Register every article of the output's JSONL feeds by its current line (its last:
    a correction's), with its files (so deleted ones are restored later) and its columns;
    an article whose history ends with a tombstone is registered taken down. Returns how
    many articles were registered written."""
    files: dict[str, list] = {}
    for path in output.glob("*/*/*"):  # {site}/{profile}/{file}: the urlname ends the name
        if path.is_file() and not path.name.startswith("."):
            urlname = path.stem.rsplit("-", 1)[-1]
            files.setdefault(urlname, []).append((path.relative_to(output).as_posix(), path.stat().st_size))
    lines = ArticleLines()
    current: dict[str, dict] = {}  # urlname -> what its current line says (not the body)
    for feed in sorted((output / "feeds").glob("*.jsonl")):
        for line in read_lines(feed):  # bytes split on b"\n": a record holding U+2028 stays whole
            record = lines.take(line)
            if record is None:
                continue
            try:
                urlname, url, site = record["urlname"], record["url"], record["site"]
            except (KeyError, TypeError):
                continue
            current.pop(urlname, None)  # (kept in the order of the current lines)
            current[urlname] = {"url": url, "site": site, "crawled_at": record.get("crawled_at"),
                                "columns": record.get("columns") or [], "taken_down": record.get("taken_down"),
                                "reason": record.get("reason")}
    count = 0
    for urlname, article in current.items():
        if article["taken_down"]:
            store.take_down(urlname, article["url"], article["site"], article["taken_down"], article["reason"])
            store.mark_tombstoned([urlname])
        elif store.adopt(urlname, article["url"], article["site"], article["crawled_at"] or "rebuilt",
                         files.get(urlname, ())):
            store.add_columns(article["url"], article["columns"])
            count += 1
    return count
