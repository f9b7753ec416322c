"""Commands about pages and sites: ``extract`` (one saved page as a crawl reads it),
``fixtures`` (the golden files), ``sites`` (the configured sites), ``record`` (save a live page)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from newsbot.cli.common import FIXTURES, fail, project_settings

def read_page(path: str) -> bytes:
    """A saved HTML page's bytes; ValueError with a one-line reason when it is not one."""
    page = Path(path)
    if page.is_dir():
        raise ValueError(f"{path} is a directory, not a saved page")
    try:
        body = page.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it ({exc.strerror})") from None
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"{path} is a binary file, not an HTML page")
    return body


def cmd_extract(args) -> int:
    from newsbot.extract import extract
    from newsbot.errors import Dropped
    from newsbot.extract import prepare
    from newsbot.items import article_record
    from newsbot.publish.profiles import render
    from newsbot.sites import load_sites_file

    if args.sites_file:
        load_sites_file(args.sites_file)
    try:
        body = read_page(args.page)
        headers = {"Content-Type": args.content_type} if args.content_type else None
        article = prepare(extract(args.url, body, headers, encoding=args.encoding))
    except ValueError as exc:  # a bad URL, an unreadable page
        return fail("extract", str(exc))
    except Dropped as drop:
        return fail("extract", str(drop))
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
        return fail("extract", f"profile {profile} cannot render {article.site or article.source}: {missing}")
    sys.stdout.write(text)
    return 0


def site_profile(name: str) -> str:
    from newsbot.sites import get_site

    return get_site(name).profile


def cmd_fixtures(args) -> int:
    """Check the golden files beside the fixture pages; --update rewrites them."""
    from newsbot.cli.golden import check

    fixtures = Path(args.fixtures)
    if not fixtures.is_dir():
        return fail("fixtures", f"{fixtures} is not a directory (run from a source checkout)")
    problems = check(fixtures, update=args.update)
    for problem in problems:
        print(problem)
    if args.update:
        print(f"newsbot fixtures: {len(problems)} golden files written or removed; review them with git diff")
        return 0
    if problems:
        print(f"newsbot fixtures: {len(problems)} golden files differ; "
              "newsbot fixtures --update rewrites them", file=sys.stderr)
        return 1
    return 0


def cmd_sites(args) -> int:
    from newsbot.sites import all_sites, load_sites_file

    if args.sites_file:
        load_sites_file(args.sites_file)
    print(f"{'site':<12} {'spider':<10} {'profile':<8} {'host':<26} columns")
    for site in sorted(all_sites(), key=lambda s: (s.campus, s.name)):
        spider = "campus" if site.campus else site.name
        columns = ", ".join(f"{c.code} {c.name}" for c in site.columns)
        print(f"{site.name:<12} {spider:<10} {site.profile:<8} {site.hosts[0]:<26} {columns}")
    return 0


def cmd_record(args) -> int:
    import os

    from newsbot.errors import ConfigError
    from newsbot.crawl.config import host_map
    from newsbot.crawl.addon import user_agent
    from newsbot.crawl.middlewares.replay import RecordError, record

    try:
        mapping = host_map(args.host_map or os.environ.get("NEWSBOT_HOST_MAP") or "{}")
        path = record(args.url, args.fixtures, user_agent(os.environ.get("NEWSBOT_CONTACT_URL")), mapping)
    except (ConfigError, RecordError) as error:
        print(f"newsbot record: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


def add_parsers(sub) -> None:
    extract = sub.add_parser("extract", help="render one saved page exactly as a crawl would")
    extract.add_argument("page", help="saved HTML file")
    extract.add_argument("--url", required=True, help="the URL the page was saved from")
    extract.add_argument("--format", choices=["hexo", "jekyll", "text", "json"], default=None,
                         help="an output profile, or json for the JSONL record (default: the site's profile)")
    extract.add_argument("--encoding", default=None, help="force a charset instead of detecting it")
    extract.add_argument("--content-type", default=None,
                         help="the Content-Type header the page was served with (e.g. 'text/html; charset=gbk')")
    extract.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    extract.set_defaults(func=cmd_extract)

    fixtures = sub.add_parser("fixtures", help="check (or --update) the golden files beside the fixture pages")
    fixtures.add_argument("--update", action="store_true", help="rewrite them from what newsbot extracts now")
    fixtures.add_argument("--fixtures", default=str(FIXTURES), help="fixture root (default: the checkout's fixtures/)")
    fixtures.set_defaults(func=cmd_fixtures)

    sites = sub.add_parser("sites", help="list the configured sites")
    sites.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    sites.set_defaults(func=cmd_sites)

    rec = sub.add_parser("record", help="save a live page into the replay fixtures")
    rec.add_argument("url")
    rec.add_argument("--fixtures", required=True, help="fixture root, e.g. fixtures/nankai")
    rec.add_argument("--host-map", default=None,
                     help='download from a mirror, as NEWSBOT_HOST_MAP (also read from the environment): '
                          '\'{"news.example.edu.cn": "http://127.0.0.1:8080"}\'')
    rec.set_defaults(func=cmd_record)
