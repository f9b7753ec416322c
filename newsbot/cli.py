"""The ``newsbot`` command: ``demo``, ``extract``, ``fixtures``, ``sites``, ``record``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scrapy.settings import Settings

from . import settings as default_settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(spider: str, settings: Settings, **spider_args) -> dict:
    """Run one crawl in this process; return its final stats."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **spider_args)
    process.start()
    return crawler.stats.get_stats()


def cmd_demo(args) -> int:
    """Offline crawl of the bundled fixtures into ./output, then a short summary."""
    replay = FIXTURES / "nankai"
    if not replay.is_dir():
        print(f"newsbot demo: bundled fixtures not found at {replay} (run from a source checkout)", file=sys.stderr)
        return 2
    output = Path(args.output).resolve()
    settings = project_settings(
        NEWSBOT_REPLAY_DIR=str(replay), NEWSBOT_OUTPUT_DIR=str(output), LOG_LEVEL=args.log_level
    )
    stats = run_crawl("nankai", settings)
    written = stats.get("newsbot/written", 0)
    files = sorted((output / "nankai").rglob("*.md"))
    print(f"newsbot demo: crawled {stats.get('newsbot/list_pages', 0)} list pages and "
          f"{stats.get('newsbot/article_pages', 0)} article pages from {replay}")
    print(f"  new articles written this run: {written}")
    print(f"  already written by an earlier run: {stats.get('newsbot/links_known', 0)}")
    dropped = {k.split('/')[-1]: v for k, v in stats.items() if k.startswith("newsbot/dropped/")}
    if dropped:
        print(f"  dropped: {dropped}")
    print(f"  Markdown files in {output / 'nankai' / 'hexo'}: {len(files)}")
    print(f"  JSONL feed: {output / 'feeds' / 'nankai.jsonl'}")
    for path in files[:3]:
        print(f"    {path.relative_to(output)}")
    return 0


def _fail(command: str, message: str) -> int:
    print(f"newsbot {command}: {message}", file=sys.stderr)
    return 1


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
    from .extract import extract
    from .pipelines import Dropped, article_record, prepare, render
    from .sites import load_sites_file

    if args.sites_file:
        load_sites_file(args.sites_file)
    try:
        body = read_page(args.page)
        headers = {"Content-Type": args.content_type} if args.content_type else None
        article = prepare(extract(args.url, body, headers, encoding=args.encoding))
    except ValueError as exc:  # a bad URL, an unreadable page
        return _fail("extract", str(exc))
    except Dropped as drop:
        return _fail("extract", str(drop))
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
        return _fail("extract", f"profile {profile} cannot render {article.site or article.source}: {missing}")
    sys.stdout.write(text)
    return 0


def site_profile(name: str) -> str:
    from .sites import get_site

    return get_site(name).profile


def cmd_fixtures(args) -> int:
    """Check the golden files beside the fixture pages; --update rewrites them."""
    from .golden import check

    fixtures = Path(args.fixtures)
    if not fixtures.is_dir():
        return _fail("fixtures", f"{fixtures} is not a directory (run from a source checkout)")
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
    from .sites import all_sites, load_sites_file

    if args.sites_file:
        load_sites_file(args.sites_file)
    print(f"{'site':<12} {'spider':<10} {'profile':<8} {'host':<26} columns")
    for site in sorted(all_sites(), key=lambda s: (s.campus, s.name)):
        spider = "campus" if site.campus else site.name
        columns = ", ".join(f"{c.code} {c.name}" for c in site.columns)
        print(f"{site.name:<12} {spider:<10} {site.profile:<8} {site.hosts[0]:<26} {columns}")
    return 0


def cmd_record(args) -> int:
    from .replay import record

    path = record(args.url, args.fixtures, project_settings().get("USER_AGENT"))
    print(path)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="newsbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="offline crawl of the bundled fixtures into ./output")
    demo.add_argument("--output", default="output")
    demo.add_argument("--log-level", default="WARNING")
    demo.set_defaults(func=cmd_demo)

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
    rec.set_defaults(func=cmd_record)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
