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

from newsbot.pages.lists import ListPage
from newsbot.sites.pagers import CountdownPager
from newsbot.urls import host_of

@dataclass(frozen=True)
class Column:
    code: str
    name: str
    url: str  # the column's first (newest) list page


@dataclass(frozen=True)
class Mirror:
    """Another address that shows a site's articles (a share or mirror page an old blog
    linked to): ``url``, a regex with named groups, matched against the mirror's URL;
    ``article``, the site's article URL made from those groups."""

    url: str
    article: str

    def article_for(self, url: str) -> str | None:
        found = re.search(self.url, url.strip(), re.I)
        return self.article.format(**found.groupdict()) if found else None


@dataclass(frozen=True)
class Site:
    name: str
    display_name: str  # docs/format.md {source}
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
    lists: type = ListPage  # the ListPage subclass that reads its list pages (its family's)
    mirrors: tuple[Mirror, ...] = ()  # addresses of its articles elsewhere (newsbot adopt)
    # Hosts that serve the site's images over https as well as http: with
    # NEWSBOT_HTTPS_IMAGES its http:// image links are written https:// (newsbot.extract).
    https_images: tuple[str, ...] = ()

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

    def list_page_of(self, page) -> ListPage:
        """The page object of one of its list pages (a ``PageInput``): what it lists, its
        next page."""
        return self.lists(page, self)

    def article_links(self, page) -> list[str]:
        """The article URLs a list page lists, in page order, each once (its ListPage's)."""
        return self.list_page_of(page).article_links

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
    from newsbot.sites import bistu, eastmoney, nankai

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

    from newsbot.pages.cms import configured_page
    from newsbot.sites.families import FAMILIES

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    loaded = []
    for name, entry in (data.get("sites") or {}).items():
        try:
            family = entry.get("family")
            if family is not None and family not in FAMILIES:
                raise ValueError(f"family {family!r} is not one of {sorted(FAMILIES)}")
            hosts = tuple(entry.get("hosts") or [entry["host"]])
            article_url = entry.get("article_url") or (FAMILIES[family].article_url if family else None)
            if not article_url:
                raise ValueError("names no family, so it needs article_url")
            pager, offset = (FAMILIES[family].pager, FAMILIES[family].pager_offset) if family else (None, 0)
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
                lists=FAMILIES[family].lists if family else ListPage,
                mirrors=tuple(Mirror(m["url"], m["article"]) for m in entry.get("mirrors") or ()),
                https_images=_https_images(entry.get("https_images"), hosts),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: site {name!r}: {exc!r}") from exc
        loaded.append(register(site))
    return loaded


def _https_images(value, hosts) -> tuple[str, ...]:
    """A sites file's ``https_images``: true (the site's hosts) or a list of hosts."""
    if value in (None, False):
        return ()
    if value is True:
        return tuple(h.lower() for h in hosts)
    if isinstance(value, list) and all(isinstance(h, str) for h in value):
        return tuple(h.lower() for h in value)
    raise ValueError(f"https_images is {value!r}: use true (the site's hosts) or a list of hosts")


def get_site(name: str) -> Site:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown site {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def find_site(name: str) -> Site | None:
    """The site named so, or None (a site from a sites file this process has not loaded)."""
    _load()
    return _REGISTRY.get(name)


def site_for_url(url: str) -> Site | None:
    _load()
    host = host_of(url)
    for site in _REGISTRY.values():
        if host in site.hosts:
            return site
    return None


def site_for_source(url: str) -> tuple[Site, str] | None:
    """The site an article URL belongs to, directly or through one of the site's mirrors,
    and the site's own URL of the article."""
    site = site_for_url(url)
    if site is not None:
        return site, url
    for site in _REGISTRY.values():
        for mirror in site.mirrors:
            article = mirror.article_for(url)
            if article:
                return site, article
    return None


def all_sites() -> list[Site]:
    _load()
    return list(_REGISTRY.values())
