"""``newsbot add URL``: a campus site from one column (list) page.

From the list page: the CMS family (``newsbot.sites.cms`` markers, or nankai's ECMS by
its article URL shape), the article links (the family's URL shape, on the page's host),
the pager (a next-page link, or the family's numbered list pages), a display name and a
column name from the page title. The proposal is a ``campus.yaml`` entry, checked by
loading it with the same loader a crawl uses. Given the articles too (``--fixtures`` or
the network), the first few are read with the entry's rules and shown, so the user sees
whether the family's rules read them or the generic fallback had to.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from newsbot.pages.base import compiled_xpath
from newsbot.pages.page_input import PageInput
from newsbot.urls import host_of

# Article URL shapes tried per family, most specific first; the first that matches links
# on the page wins. The family's own default (newsbot.sites.cms) is tried before these.
# WebPlus sites also serve /xx/yy/c123a456/page.htm (hashed directories, not dates).
MORE_ARTICLE_URLS = {
    "webplus": (r"/c\d+a\d+/page\.html?$",),
    "vsb": (r"/info/\d+/\d+\.html?$",),
    "trs": (r"/t\d{8}_\d+\.s?html?$",),
}
ECMS_ARTICLE_URL = r"/system/\d{4}/\d{2}/\d{2}/\d+\.shtml$"  # nankai's ECMS (docs/sites-html.md)
ECMS_SELECTORS = {"body": ["td#txt", "#txt"]}
MIN_LINKS = 2  # fewer matching links than this is not a list
TITLE_SEPARATORS = re.compile(r"\s*[-_|｜—–]+\s*")
# Host labels that name a service rather than the school.
GENERIC_LABELS = {"www", "news", "web", "edu", "cn", "com", "org", "net", "gov", "ac"}


class NotAList(ValueError):
    """The page shows no article links newsbot can recognise."""


@dataclass
class Proposal:
    url: str  # the list page
    family: str | None  # vsb | webplus | trs | ecms
    article_url: str  # regex the article links match
    articles: list[str]  # the article links, in page order
    next_page: str | None  # the next list page as the crawl will find it
    name: str
    entry: dict
    known_site: str | None = None  # a configured site already serving this host
    notes: list[str] = field(default_factory=list)

    def yaml(self) -> str:
        text = yaml.safe_dump({self.name: self.entry}, allow_unicode=True, sort_keys=False, width=200)
        return "".join(f"  {line}\n" for line in text.splitlines())


def _links(page: PageInput) -> list[str]:
    """What the list page links, rows that are no links included (newsbot.pages.lists)."""
    from newsbot.pages.lists import page_urls

    return page_urls(page)


def _family_and_pattern(html: str, links: list[str], host: str) -> tuple[str | None, str, bool]:
    """(family, article URL regex, whether the regex is the family's default)."""
    from newsbot.sites.families import FAMILIES
    from newsbot.pages.cms import detect_family

    on_host = [u for u in links if host_of(u) == host]
    ecms = [u for u in on_host if re.search(ECMS_ARTICLE_URL, u)]
    family = detect_family(html)
    if len(ecms) >= MIN_LINKS and family is None:
        return "ecms", ECMS_ARTICLE_URL, False
    families = [family] if family else list(FAMILIES)  # no markers: try each family's URLs
    for name in families:
        default = FAMILIES[name].article_url
        for pattern in (default, *MORE_ARTICLE_URLS.get(name, ())):
            if sum(bool(re.search(pattern, u)) for u in on_host) >= MIN_LINKS:
                return name, pattern, pattern == default
    raise NotAList(f"no article links of a known CMS family on this page "
                   f"(markers say: {family or 'no family'}; {len(on_host)} links on {host})")


def _title_parts(page: PageInput) -> list[str]:
    title = " ".join(compiled_xpath("//title//text()")(page.root)).strip()
    return [p for p in TITLE_SEPARATORS.split(title) if p]


def site_name_for(host: str) -> str:
    """zfxy.nankai.edu.cn -> zfxy-nankai; a name no configured site has (www-nankai where
    nankai is taken)."""
    from newsbot.sites import all_sites

    taken = {site.name for site in all_sites()}
    labels = host.split(".")
    while labels and labels[-1] in GENERIC_LABELS:  # edu.cn, com.cn, .cn
        labels.pop()
    for candidate in ("-".join(l for l in labels if l not in GENERIC_LABELS), "-".join(labels), host.replace(".", "-")):
        if candidate and candidate not in taken:
            return candidate
    raise ValueError(f"every name for {host} is taken; pass --name")


def column_code_for(url: str) -> str:
    """``xwzx.htm`` -> xwzx; ``/157/list.htm`` and ``/ywsd/index.shtml`` -> the directory."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return "home"
    stem = segments[-1].rsplit(".", 1)[0]
    if re.fullmatch(r"(list|index|main|default)\d*", stem) and len(segments) > 1:
        stem = segments[-2]
    return re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_") or "home"


def propose(url: str, body: bytes, name: str | None = None, column_name: str | None = None,
            display_name: str | None = None) -> Proposal:
    from newsbot.sites import site_for_url

    page = PageInput(url, body)
    host = host_of(url)
    links = _links(page)
    family, pattern, default_pattern = _family_and_pattern(page.text, links, host)
    parts = _title_parts(page)
    name = name or site_name_for(host)
    code = column_code_for(url)
    # "{column}-{site}" is the usual title; a title of one part names the column.
    entry = {
        "display_name": display_name or (parts[-1] if len(parts) > 1 else host),
        "host": host,
    }
    if family in ("vsb", "webplus", "trs"):
        entry["family"] = family
    entry["columns"] = [{"code": code, "name": column_name or (parts[0] if parts else code), "url": url}]
    if not default_pattern:
        entry["article_url"] = pattern
    if family == "ecms":
        entry["selectors"] = ECMS_SELECTORS
    entry["profile_options"] = {"blog": host}
    entry["scheme"] = urlsplit(url).scheme or "https"
    known = site_for_url(url)  # before the proposal is registered beside it
    site = load_entry(name, entry)
    articles = [u for u in links if site.is_article(u)]
    proposal = Proposal(url, family, pattern, articles, None, name, entry)
    if known is not None:
        proposal.known_site = known.name
        proposal.notes.append(f"{host} is already configured as site {known.name!r} "
                              f"(scrapy crawl {'campus -a site=' + known.name if known.campus else known.name})")
    proposal.notes.extend(guesses(page, entry, display_name, column_name))
    proposal.notes.extend(family_guesses(page, family, pattern, default_pattern))
    listing = site.list_page_of(page)
    proposal.next_page = listing.next_page or site.list_page(url, 2)
    if proposal.next_page is None:
        proposal.notes.append("no next-page link and no numbered list pages: the crawl reads the first page only")
    elif listing.next_page is None:
        proposal.notes.append(f"no next-page link: guessed the next list page {proposal.next_page} from the "
                              f"{family} family's numbering; check that it exists")
    return proposal


def family_guesses(page: PageInput, family: str | None, pattern: str, default_pattern: bool) -> list[str]:
    """What ``add`` guessed of the site's CMS: a family its page shows no markers of, read from
    the shape of its article links alone, and an article URL shape not the family's own."""
    from newsbot.pages.cms import detect_family

    notes = []
    if family == "ecms":
        notes.append("no CMS markers: took the ECMS layout of news.nankai.edu.cn (body td#txt) from the shape "
                     "of the article links; check the first articles with --fixtures or the live site")
    elif detect_family(page.text) is None:
        notes.append(f"no CMS markers: guessed the {family} family from the shape of the article links; "
                     f"check the first articles with --fixtures or the live site")
    if not default_pattern and family != "ecms":
        notes.append(f"the article links are not the {family} family's usual shape: article_url is {pattern!r}; "
                     f"check that it matches the site's articles only")
    return notes


_DEPARTMENT = re.compile(r"(?:学院|学部|系|研究院|研究所|研究生院|中心|处|部|办公室|图书馆|团委|实验室)$")


def university_named(page: PageInput) -> str | None:
    """The university the page names most (南开大学 over 会在南开大学): of the strings of 2 to 8
    characters before each 大学 in its text, the most frequent, the longest of equals."""
    text = " ".join(compiled_xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")(
        page.root))
    counts: dict[str, int] = {}
    for match in re.finditer("大学", text):
        before = text[max(0, match.start() - 8):match.start()]
        for size in range(2, len(before) + 1):
            name = before[-size:]
            if not re.fullmatch(r"[\u4e00-\u9fff]+", name):
                break
            counts[name + "大学"] = counts.get(name + "大学", 0) + 1
    if not counts:
        return None
    top = max(counts.values())
    return max((name for name, count in counts.items() if count == top), key=len) if top >= 2 else None


def guesses(page: PageInput, entry: dict, display_name: str | None, column_name: str | None) -> list[str]:
    """What ``add`` guessed for the entry and how to set it instead: the display name and
    the column name read from the page's <title>, a department's name taken for the
    university's."""
    notes = []
    column = entry["columns"][0]["name"]
    if not column_name:
        notes.append(f"guessed the column name {column!r} from the page's <title>; set it with --column-name")
    if display_name:
        return notes
    shown = entry["display_name"]
    if shown == entry["host"]:
        notes.append(f"guessed the display name {shown!r} (the <title> names no site); set it with --display-name")
        return notes
    note = f"guessed the display name {shown!r} from the page's <title>"
    university = university_named(page)
    if _DEPARTMENT.search(shown) and not (university and university in shown) and "大学" not in shown:
        note += (f"; it is a department's name, not the university's: perhaps {university + shown!r}"
                 if university else "; it is a department's name, not the university's")
    notes.append(note + "; set it with --display-name")
    return notes


def load_entry(name: str, entry: dict):
    """The entry as a Site, through the loader a crawl uses (so a bad entry fails here).
    The loader registers it: the ``newsbot add`` process is short-lived."""
    from newsbot.sites import load_sites_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "site.yaml"
        path.write_text(yaml.safe_dump({"sites": {name: entry}}, allow_unicode=True), encoding="utf-8")
        return load_sites_file(path)[0]


def read_article(site, url: str, body: bytes):
    """One article read with the proposed site's rules, exactly as ``newsbot extract`` does."""
    from newsbot.pages.generic.extraction import GenericArticlePage
    from newsbot.extract import extract_article
    from newsbot.extract import prepare

    article = extract_article(site.page(PageInput(url, body)), fallback=GenericArticlePage)
    article.site, article.source = site.name, site.display_name
    return prepare(article)


def append_entry(path: Path, proposal: Proposal) -> None:
    """Add the entry to a sites file, keeping its comments; refuse a name or host it has."""
    from newsbot.storage.files import write_atomic

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    sites = (yaml.safe_load(text) or {}).get("sites") or {}
    if proposal.name in sites:
        raise ValueError(f"{path} already has a site named {proposal.name!r} (use --name)")
    for other, entry in sites.items():
        hosts = entry.get("hosts") or [entry.get("host")]
        if proposal.entry["host"] in hosts:
            raise ValueError(f"{path}: site {other!r} already crawls {proposal.entry['host']}")
    if not re.search(r"^sites:\s*$", text, re.M):
        text += ("" if not text or text.endswith("\n") else "\n") + "sites:\n"
    new = text + ("" if text.endswith("\n") else "\n") + proposal.yaml()
    if proposal.name not in ((yaml.safe_load(new) or {}).get("sites") or {}):
        raise ValueError(f"{path}: 'sites:' is not the file's last mapping, so the entry cannot be "
                         f"appended; paste it under 'sites:' by hand")
    write_atomic(path, new)


MAX_PAGE_BYTES = 10 * 1024 * 1024


def fetch(url: str, fixtures: str | Path | None, user_agent: str) -> bytes:
    """A page from the fixtures (``newsbot record``'s layout) or, without them, the live
    site, asked politely: robots.txt first, the crawl's User-Agent, one page at a time."""
    if fixtures is not None:
        from newsbot.crawl.middlewares.replay import fixture_path

        path = fixture_path(fixtures, url)
        if not path.is_file():
            raise FileNotFoundError(f"{url} is not in the fixtures ({path})")
        return path.read_bytes()
    import urllib.request

    robots_url = "{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(url))
    robots = _robots(robots_url, user_agent)
    if robots is not None and not robots.can_fetch(url, user_agent):
        raise PermissionError(f"{robots_url} disallows {url}")
    with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": user_agent}), timeout=30) as answer:
        return answer.read(MAX_PAGE_BYTES)


_ROBOTS: dict[str, object] = {}  # robots.txt URL -> its rules (None: none), read once


def _robots(robots_url: str, user_agent: str):
    import urllib.request

    from protego import Protego

    if robots_url not in _ROBOTS:
        try:
            request = urllib.request.Request(robots_url, headers={"User-Agent": user_agent})
            with urllib.request.urlopen(request, timeout=30) as answer:
                _ROBOTS[robots_url] = Protego.parse(answer.read(MAX_PAGE_BYTES).decode("utf-8", "replace"))
        except OSError:  # no robots.txt (a 404 included): everything is allowed
            _ROBOTS[robots_url] = None
    return _ROBOTS[robots_url]
