"""Commands about pages and sites: ``extract`` (one saved page as a crawl reads it),
``fixtures`` (the golden files), ``sites`` (the configured sites), ``record`` (save a live page)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from newsbot.cli.common import FIXTURES, project_settings
from newsbot.crawl import values
from newsbot.errors import ConfigError, say

def read_page(path) -> bytes:
    """A saved HTML page's bytes; ConfigError with a one-line reason when it is not one."""
    page = Path(path)
    try:
        body = page.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path} is a binary file, not an HTML page")
    return body


def cmd_extract(args) -> int:
    from newsbot.errors import Dropped
    from newsbot.extract import extract, prepare
    from newsbot.items import article_record
    from newsbot.publish.profiles import render

    body = read_page(args.page)
    headers = {"Content-Type": args.content_type} if args.content_type else None
    try:
        article = prepare(extract(args.url, body, headers, encoding=args.encoding))
    except Dropped as drop:  # no title, no body: not an article page
        raise ConfigError(f"{args.page}: {drop}") from None
    if args.format == "json":
        print(json.dumps(article_record(article), ensure_ascii=False, indent=2))
        return 0
    settings = project_settings()
    if not article.site:
        settings.set("NEWSBOT_PROFILE_OPTIONS", {"blog": article.source}, priority="cmdline")
    profile = args.format or (site_profile(article.site) if article.site else "hexo")
    try:
        text = render(article, profile, settings)
    except (KeyError, ValueError) as exc:
        # A profile needs options (jekyll: site, outlet categories) the site does not set.
        missing = f"option {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ConfigError(f"profile {profile} cannot render {article.site or article.source}: {missing}") from None
    sys.stdout.write(text)
    return 0


def site_profile(name: str) -> str:
    from newsbot.sites import get_site

    return get_site(name).profile


def cmd_fixtures(args) -> int:
    """Check the golden files beside the fixture pages; --update rewrites them."""
    from newsbot.cli.golden import check

    problems = check(args.fixtures, update=args.update)
    for problem in problems:
        print(problem)
    if args.update:
        print(f"newsbot fixtures: {len(problems)} golden files written or removed; review them with git diff")
        return 0
    if problems:
        say(f"{len(problems)} golden files differ; newsbot fixtures --update rewrites them")
        return 1
    return 0


def cmd_sites(args) -> int:
    from newsbot.sites import all_sites

    print(f"{'site':<12} {'spider':<10} {'profile':<8} {'host':<26} columns")
    for site in sorted(all_sites(), key=lambda s: (s.campus, s.name)):
        spider = "campus" if site.campus else site.name
        columns = ", ".join(f"{c.code} {c.name}" for c in site.columns)
        print(f"{site.name:<12} {spider:<10} {site.profile:<8} {site.hosts[0]:<26} {columns}")
    return 0


def cmd_record(args) -> int:
    import os

    from newsbot.crawl.addon import user_agent
    from newsbot.crawl.config import host_map
    from newsbot.crawl.middlewares.replay import record

    mapping = args.host_map if args.host_map is not None else host_map(os.environ.get("NEWSBOT_HOST_MAP") or "{}")
    contact = values.contact_url.setting("NEWSBOT_CONTACT_URL", os.environ.get("NEWSBOT_CONTACT_URL"))
    print(record(args.url, args.fixtures, user_agent(contact), mapping))
    return 0


def add_parsers(sub) -> None:
    extract = sub.add_parser("extract", help="render one saved page exactly as a crawl would")
    extract.add_argument("page", type=values.existing_file, help="saved HTML file")
    extract.add_argument("--url", required=True, type=values.http_url, help="the URL the page was saved from")
    extract.add_argument("--format", choices=["hexo", "jekyll", "text", "json"], default=None,
                         help="an output profile, or json for the JSONL record (default: the site's profile)")
    extract.add_argument("--encoding", default=None, type=values.encoding, help="force a charset instead of detecting it")
    extract.add_argument("--content-type", default=None, type=values.content_type,
                         help="the Content-Type header the page was served with (e.g. 'text/html; charset=gbk')")
    extract.add_argument("--sites-file", default=None, type=values.sites_file,
                         help="also read this sites file (campus.yaml format)")
    extract.set_defaults(func=cmd_extract)

    fixtures = sub.add_parser("fixtures", help="check (or --update) the golden files beside the fixture pages")
    fixtures.add_argument("--update", action="store_true", help="rewrite them from what newsbot extracts now")
    fixtures.add_argument("--fixtures", default=str(FIXTURES), type=values.existing_dir,
                          help="fixture root (default: the checkout's fixtures/)")
    fixtures.set_defaults(func=cmd_fixtures)

    sites = sub.add_parser("sites", help="list the configured sites")
    sites.add_argument("--sites-file", default=None, type=values.sites_file,
                       help="also read this sites file (campus.yaml format)")
    sites.set_defaults(func=cmd_sites)

    rec = sub.add_parser("record", help="save a live page into the replay fixtures")
    rec.add_argument("url", type=values.http_url)
    rec.add_argument("--fixtures", required=True, type=values.output_dir, help="fixture root, e.g. fixtures/nankai")
    rec.add_argument("--host-map", default=None, type=values.host_map,
                     help='download from a mirror, as NEWSBOT_HOST_MAP (also read from the environment): '
                          '\'{"news.example.edu.cn": "http://127.0.0.1:8080"}\'')
    rec.set_defaults(func=cmd_record)
