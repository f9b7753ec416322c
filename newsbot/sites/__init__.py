"""The sites newsbot knows: one ``Site`` entry each, looked up by name or by URL host.

A ``Site`` is data: where its column lists are, what its article URLs look like, which
page object reads its articles, and which output profile it writes by default.
"""

from __future__ import annotations

import re
from importlib import resources
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from scrapy.http import TextResponse

from ..urls import host_of, response_url

NEWEST_PAGE_LIMIT = 10000  # no real column has more list pages: a search past it gives up


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    url: str  # the column's first (newest) list page


class CountdownPager:
    """Older list pages numbered 1..M, M the newest, that no link on a column's first page
    leads to (its pager is drawn by a script): page 2 of the column is number M, page 3 is
    M-1, … the last is 1. M is found once per column per run when page 2 is needed (the
    spider's ``countdown_page``): the pager script may state it, and a number read there is
    checked by fetching M and M+1; where the script says nothing usable, probing finds it
    (``newest_page_search``). A site subclasses this to say where its pages are."""

    # Names of script variables that plausibly hold the page count (not its size or the
    # current page).
    count_variable = re.compile(
        r"\b(?!\w*(?:size|cur|index|now))\w*(?:page|count|total)\w*[\"']?\s*[=:]\s*[\"']?(\d+)", re.I)
    numbered_page = re.compile(r"_(\d+)\.s?html?\b")  # the number in a numbered page's URL

    def script_url(self, response) -> str | None:
        """The pager script a column's first page loads, if it has one."""
        return None

    def page_url(self, first: str, known: str | None, number: int) -> str | None:
        """The URL of numbered list page ``number`` of the column whose first page is
        ``first``; ``known``: a URL of the same list (its pager script or another numbered
        page) that may name it. None where the site cannot say."""
        raise NotImplementedError

    def number_of(self, url: str) -> int | None:
        """The number of a numbered list page, from its URL."""
        match = self.numbered_page.search(url)
        return int(match.group(1)) if match else None

    async def find_newest(self, first: str, script: str | None, fetch, article_links) -> int | None:
        """M for the column whose first page is ``first``: from the pager script where it
        states a number that checks out, else by probing which numbered pages exist (a page
        exists when it answers 200, unredirected, listing articles). ``fetch``: an async
        URL -> response (None when it does not arrive). None where M cannot be told."""
        answer = await fetch(script) if script else None
        # Latin-1: the numbers and names wanted are ASCII, whatever the script's encoding.
        hint = self.count_in_script(answer.body.decode("latin-1")) if answer and answer.status == 200 else None
        search = newest_page_search(hint)
        number = next(search)
        try:
            while True:
                url = self.page_url(first, script, number)
                answer = await fetch(url) if url else None
                if answer is None or answer.status not in (200, 404, 410):
                    return None  # a server error, a robots.txt ban: no guessing
                exists = (answer.status == 200 and answer.url == url and isinstance(answer, TextResponse)
                          and bool(article_links(answer)))
                number = search.send(exists)
        except StopIteration as found:
            return found.value

    def count_in_script(self, text: str) -> int | None:
        """The largest plausible newest page number the script states: the highest
        numbered page it links, or a number assigned to a page/count/total variable."""
        numbers = [int(n) for n in self.numbered_page.findall(text) + self.count_variable.findall(text)]
        return max((n for n in numbers if 0 < n <= NEWEST_PAGE_LIMIT), default=None)


def newest_page_search(hint: int | None = None, limit: int = NEWEST_PAGE_LIMIT):
    """Find M, the newest of pages numbered 1..M, by asking which numbers exist: a generator
    that yields a number to try and is sent whether that page exists; it returns M (0: no
    numbered page), or None when pages go on past ``limit``. A right ``hint`` costs two
    tries (M exists, M+1 does not); without one, doubling up to the first missing number
    then halving the gap costs about 2·log2(M) tries."""
    low, high = 0, None  # low exists (0 trivially), high does not
    number, step = (hint if hint and 0 < hint <= limit else 1), 1
    while True:
        if (yield number):
            low = number
        else:
            high = number
        if high is not None and high - low <= 1:
            return low
        if high is None:
            number, step = low + step, step * 2
            if number > limit:
                return None
        else:
            number = (low + high) // 2


@dataclass(frozen=True)
class Site:
    name: str
    display_name: str  # FORMAT.md {source}
    hosts: tuple[str, ...]
    columns: tuple[Column, ...]
    article_url: str  # regex an absolute article URL matches
    page: type  # an ArticlePage subclass
    profile: str = "hexo"
    profile_options: dict = field(default_factory=dict)
    default_columns: tuple[str, ...] = ()
    scheme: str = "https"  # the scheme canonical URLs are written with
    next_page_texts: tuple[str, ...] = ("下一页", "下页", "后页", "下一頁", "下一页>>", "下一页>", "下页>>",
                                        "Next", "next")
    # Older list pages by number, for lists whose pager is drawn by JavaScript only:
    # "index_{n}.html" with n = 1 for the second page (TRS), offset 1 for "list{n}.htm"
    # with n = 2 for the second page (WebPlus). Used only when no next link is found.
    pager: str | None = None
    pager_offset: int = 0
    countdown: CountdownPager | None = None  # older pages numbered down from an unlinked M
    campus: bool = False  # configured in a sites file, crawled by the campus spider

    def column(self, code: str) -> Column:
        for column in self.columns:
            if column.code == code:
                return column
        known = ", ".join(c.code for c in self.columns)
        raise ValueError(f"site {self.name} has no column {code!r}; known: {known}")

    def list_page(self, first: str, page: int) -> str | None:
        if not self.pager:
            return None
        return urljoin(first, self.pager.format(n=page - 1 + self.pager_offset))

    def article_links(self, response) -> list[str]:
        """The article URLs a list page links, in page order, each once."""
        links = (response_url(response, href) for href in response.css("a::attr(href)").getall())
        return list(dict.fromkeys(url for url in links if url and self.is_article(url)))

    def is_article(self, url: str) -> bool:
        return bool(re.search(self.article_url, url)) and host_of(url) in self.hosts


_REGISTRY: dict[str, Site] = {}


def register(site: Site) -> Site:
    _REGISTRY[site.name] = site
    return site


CAMPUS_FILE = Path(__file__).with_name("campus.yaml")


def built_in_sites() -> tuple[Site, ...]:
    """The sites with a module of their own: this table is the one list of them (a
    module left out of it is not crawled; tests/test_sources.py checks none is)."""
    from . import bistu, eastmoney, nankai

    return (nankai.SITE, bistu.SITE, eastmoney.SITE)


def _load() -> None:
    if not _REGISTRY:
        for site in built_in_sites():
            register(site)
        # as_file: also from a zipped egg (scrapyd), where campus.yaml is no file of its own.
        with resources.as_file(resources.files(__package__) / CAMPUS_FILE.name) as path:
            load_sites_file(path)


def load_sites_file(path: str | Path) -> list[Site]:
    """Register every entry of a sites file (campus.yaml's format); return them."""
    import yaml

    _load()  # the built-in sites first: a sites file adds to them (and may override one)

    from .cms import FAMILIES, configured_page

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    loaded = []
    for name, entry in (data.get("sites") or {}).items():
        try:
            family = entry.get("family")
            if family is not None and family not in FAMILIES:
                raise ValueError(f"family {family!r} is not one of {sorted(FAMILIES)}")
            hosts = tuple(entry.get("hosts") or [entry["host"]])
            article_url = entry.get("article_url") or (FAMILIES[family][1] if family else None)
            if not article_url:
                raise ValueError("names no family, so it needs article_url")
            pager, offset = (FAMILIES[family][2], FAMILIES[family][3]) if family else (None, 0)
            site = Site(
                name=name,
                display_name=entry["display_name"],
                hosts=tuple(h.lower() for h in hosts),
                columns=tuple(Column(c["code"], c["name"], c["url"]) for c in entry["columns"]),
                article_url=article_url,
                page=configured_page(family, entry.get("selectors")),
                profile=entry.get("profile", "hexo"),
                profile_options={"blog": hosts[0], **(entry.get("profile_options") or {})},
                scheme=entry.get("scheme", "https"),
                pager=entry.get("pager", pager),
                pager_offset=entry.get("pager_offset", offset),
                campus=True,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: site {name!r}: {exc!r}") from exc
        loaded.append(register(site))
    return loaded


def get_site(name: str) -> Site:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown site {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def site_for_url(url: str) -> Site | None:
    _load()
    host = host_of(url)
    for site in _REGISTRY.values():
        if host in site.hosts:
            return site
    return None


def all_sites() -> list[Site]:
    _load()
    return list(_REGISTRY.values())
