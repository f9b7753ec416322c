"""The ``newsbot`` command: ``demo``, ``extract``, ``sites``, ``record``."""

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


def cmd_extract(args) -> int:
    from .pages import extract_article, make_response
    from .pipelines import Dropped, article_record, prepare, render
    from .sites import load_sites_file, site_for_url
    from .urls import host_of

    from .generic import GenericArticlePage, extract_generic

    if args.sites_file:
        load_sites_file(args.sites_file)
    body = Path(args.page).read_bytes()
    response = make_response(args.url, body, encoding=args.encoding)
    site = site_for_url(args.url)
    if site is None:  # a host with no configuration: the generic extractor reads it all
        article = extract_article(GenericArticlePage(response))
        article.extractor = "fallback"
        article.source = host_of(args.url)
    else:
        article = extract_article(site.page(response), fallback=extract_generic)
        article.site, article.source = site.name, site.display_name
    try:
        article = prepare(article)
    except Dropped as drop:
        print(f"newsbot extract: {drop}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(article_record(article), ensure_ascii=False, indent=2))
    else:
        settings = project_settings()
        if site is None:
            settings.set("NEWSBOT_PROFILE_OPTIONS", {"blog": article.source}, priority="cmdline")
        sys.stdout.write(render(article, args.format or (site.profile if site else "hexo"), settings))
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


def cmd_status(args) -> int:
    from .cluster import report_status

    code, message = report_status(args.output, args.spider, args.worker)
    print(message, file=sys.stderr if code else sys.stdout)
    return code


def cmd_merge_shards(args) -> int:
    from .cluster import merge_feed

    path, added = merge_feed(args.output, args.spider)
    print(f"{path}: {added} lines added from the workers' shards")
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
    extract.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    extract.set_defaults(func=cmd_extract)

    sites = sub.add_parser("sites", help="list the configured sites")
    sites.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    sites.set_defaults(func=cmd_sites)

    rec = sub.add_parser("record", help="save a live page into the replay fixtures")
    rec.add_argument("url")
    rec.add_argument("--fixtures", required=True, help="fixture root, e.g. fixtures/nankai")
    rec.set_defaults(func=cmd_record)

    status = sub.add_parser("status", help="the exit code of a spider's last run, from its run report "
                            "(for scrapyd jobs, which have none)")
    status.add_argument("--output", required=True, help="the run's NEWSBOT_OUTPUT_DIR")
    status.add_argument("--spider", default="nankai")
    status.add_argument("--worker", default=None, help="a cluster worker's report (its NEWSBOT_WORKER)")
    status.set_defaults(func=cmd_status)

    merge = sub.add_parser("merge-shards", help="merge a cluster's feed shards (feeds/{spider}.{worker}.jsonl) "
                           "into feeds/{spider}.jsonl")
    merge.add_argument("--output", required=True, help="the shared NEWSBOT_OUTPUT_DIR")
    merge.add_argument("--spider", default="nankai")
    merge.set_defaults(func=cmd_merge_shards)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
