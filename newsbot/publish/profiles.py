"""Output profiles (docs/format.md): ``hexo``, ``jekyll`` and ``text``.

Writers know nothing of HTML or sites: they format an Article whose fields the pipelines
have already cleaned, plus the profile's options (blog name, category slug, ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from newsbot.dates import to_local
from newsbot.html.markdown import markdown_url
from newsbot.items import Article
from newsbot.sites import get_site
from newsbot.publish.frontmatter import double_quoted, yaml_scalar
from newsbot.publish.images import local_html, local_markdown
from newsbot.publish.templates import html_block, neutralise_markdown_templates, neutralise_templates


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
        neutralise_markdown_templates(local_markdown(article.body_markdown, article, "hexo", options)),
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


# The operator's blog over the site's defaults (the blogs of the seeds' scrapers), and
# NEWSBOT_PROFILE_OPTIONS over both.
BLOG_SETTINGS = {"NEWSBOT_BLOG_NAME": "blog", "NEWSBOT_BLOG_URL": "site"}


def operator_options(settings) -> dict:
    """The profile options the operator set: NEWSBOT_BLOG_NAME, NEWSBOT_BLOG_URL and
    NEWSBOT_PROFILE_OPTIONS."""
    if not settings:
        return {}
    options = {option: settings.get(name) for name, option in BLOG_SETTINGS.items() if settings.get(name)}
    options.update(settings.getdict("NEWSBOT_PROFILE_OPTIONS") or {})
    return options


def profile_options(site_name: str, profile: str, settings) -> dict:
    options = dict(get_site(site_name).profile_options) if site_name else {}
    options.update(operator_options(settings))
    return options


def render(article: Article, profile: str, settings=None) -> str:
    return PROFILES[profile].render(article, profile_options(article.site, profile, settings))
