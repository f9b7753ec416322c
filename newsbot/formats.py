"""Output profiles (FORMAT.md): ``hexo``, ``jekyll`` and ``text``, and the atomic file write.

Writers know nothing of HTML or sites: they format an Article whose fields the pipelines
have already cleaned, plus the profile's options (blog name, category slug, ...).
"""

from __future__ import annotations

import itertools
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Callable

import yaml

from .body import markdown_url
from .dates import to_local
from .images import local_html, local_markdown
from .items import Article

# --- YAML scalars -----------------------------------------------------------------------
# Written by hand rather than by a YAML round-trip per call (PyYAML was most of the render
# time); tests/test_formats.py proves on arbitrary unicode that every scalar loads back with
# PyYAML as exactly its value, and that the quoted form is byte for byte PyYAML's own.

# FORMAT.md: characters that make YAML misread a bare title.
_YAML_HOSTILE = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$")
# What a plain scalar may hold: YAML's printable characters, less tab, the BOM and the
# characters YAML 1.1 reads as line breaks (U+0085, U+2028, U+2029).
_YAML_PLAIN = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]+")
# PyYAML's double-quoted escapes (yaml.emitter.Emitter.ESCAPE_REPLACEMENTS), and the
# characters it escapes with allow_unicode (yaml.emitter.Emitter.write_double_quoted):
# all but printable ASCII and the BMP's printable rest (astral characters are escaped).
_DQ_ESCAPES = {
    "\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0a": "n", "\x0b": "v", "\x0c": "f",
    "\x0d": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}
_DQ_ESCAPED = re.compile('["\\\\]|[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]')


# Hexo reads front matter with js-yaml (YAML 1.2), which takes 1e5, 0o17 and 0b1 for numbers
# where PyYAML (YAML 1.1) does not: a scalar that starts like a number is quoted.
_NUMBER_LIKE = re.compile(r"[-+]?\.?\d")


def _resolves_to_non_string(value: str) -> bool:
    """Would a YAML loader read this plain scalar as a number, bool, null, date, ...?
    (PyYAML's own implicit resolvers, the ones safe_load applies, and js-yaml's numbers.)"""
    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers.get(value[0], ())
    return bool(_NUMBER_LIKE.match(value)) or any(regexp.match(value) for _tag, regexp in resolvers)


def yaml_scalar(value: str) -> str:
    """A YAML scalar that loads back as exactly ``value``: bare when that is safe (as the
    seeds write titles), double-quoted otherwise."""
    if (
        value
        and value == value.strip()
        and _YAML_PLAIN.fullmatch(value)
        and not _YAML_HOSTILE.search(value)
        and not _resolves_to_non_string(value)
    ):
        return value
    return double_quoted(value)


def _escape(match: re.Match) -> str:
    char = match[0]
    if char in _DQ_ESCAPES:
        return "\\" + _DQ_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def double_quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar, exactly as PyYAML's safe_dump writes it."""
    return '"' + _DQ_ESCAPED.sub(_escape, value) + '"'


# --- template syntax ----------------------------------------------------------------------
# Hexo runs nunjucks over a post ({{ }}, {% %}, {# #}) and Jekyll runs Liquid ({{ }}, {% %}):
# article text must never be evaluated, nor break the build (nunjucks stops at a stray
# "#}"). Each '{' that would open a tag, and each '#' of a "#}", is wrapped in a raw block
# of its own, which both engines print as the plain character. No article text ever stands
# inside a raw block, so an article's own '{% endraw %}' cannot end one early (its '{' is
# wrapped too). Hexo >= 5 lifts raw blocks out before the Markdown renderer and puts them
# back after it; older Hexo runs nunjucks first: either way the plain character reaches the
# page (checked with Hexo 7 + hexo-renderer-marked). Not entities (&#123;): whether they
# survive depends on the Markdown renderer (marked keeps them, markdown-it decodes them back
# to '{' before nunjucks runs), while raw is read by the template engine itself. Known
# blemish: Hexo's placeholder for a raw block is an HTML comment, so a paragraph that
# *starts* with one is passed through as an HTML block (shown as text, no <p>).
# URLs get no raw block: their braces are percent-encoded (``markdown_url``).
_TEMPLATE_SYNTAX = re.compile(r"\{(?=[{%#])|#(?=\})")


def raw(char: str) -> str:
    return "{% raw %}" + char + "{% endraw %}"


RAW_BRACE = raw("{")


def neutralise_templates(text: str) -> str:
    return _TEMPLATE_SYNTAX.sub(lambda m: raw(m[0]), text)


_BLANK_LINE_AFTER = re.compile(r"\n(?=[ \t]*\n)")


def html_block(html: str) -> str:
    """The body HTML as one HTML block that a Markdown converter passes through untouched.

    Jekyll runs a post through kramdown (or CommonMark), which reads text standing between
    HTML elements as Markdown: a '[x](javascript:...)' in article text would become a live
    link there, since neither converter checks URL schemes. Inside one <div> with no blank
    line (a blank line ends an HTML block in CommonMark) no article text is read as
    Markdown. A blank line is only collapsible whitespace to a browser, except in <pre>,
    where its newline is kept as '&#10;' (the same character).
    """
    return "<div>\n" + _BLANK_LINE_AFTER.sub("&#10;" if "<pre" in html else "", html) + "\n</div>"


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
        neutralise_templates(local_markdown(article.body_markdown, article, "hexo", options)),
        "",
        f"[转入文章首发地址]({markdown_url(article.url)})",
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
        f"categories: {yaml_scalar(category)}",
        f"tags: {yaml_scalar(f'{outlet}新闻')}",  # the outlet is the page's words, like the title
        "---",
        neutralise_templates(html_block(local_html(article.body_html, article, "jekyll", options))),
        "",
        f"<{markdown_url(article.url)}>",
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


_temp_names = itertools.count()  # next() on it is atomic: safe from the writer thread


def _create_temp(directory: Path) -> tuple[int, Path]:
    """A new temp file in ``directory``. Created with mode 0666, so the kernel applies the
    umask (NEWSBOT_FILE_MODE sets it) and a web server running as another user reads it."""
    while True:
        tmp = directory / f"{TEMP_PREFIX}{os.getpid()}-{next(_temp_names)}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:  # left by an earlier process with the same pid
            continue


def write_atomic(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Write ``text`` to ``path`` so that readers, and a crash, see the old file or the
    whole new one, never a part: temp file in the same directory, fsync, rename, fsync dir.
    ``durable=False`` leaves the fsyncs to the caller, who syncs a batch of files at once
    (``newsbot.pipelines.sync_files``) before recording them as written."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        fd, tmp = _create_temp(path.parent)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path.parent)
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
