"""The ``newsbot`` command: ``demo``, ``extract``, ``fixtures``, ``sites``, ``record``, ``failed``,
``adopt``, ``rebuild-state``, ``feeds``, ``add``."""

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
    print(f"  Atom feeds: {output / 'feeds' / 'nankai.atom'} and one per column, nankai-ywsd.atom ... (RSS: .rss)")
    print(f"  status page: {output / 'index.html'}")
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
    import os

    from .config import ConfigError, host_map
    from .middlewares import user_agent
    from .replay import RecordError, record

    try:
        mapping = host_map(args.host_map or os.environ.get("NEWSBOT_HOST_MAP") or "{}")
        path = record(args.url, args.fixtures, user_agent(os.environ.get("NEWSBOT_CONTACT_URL")), mapping)
    except (ConfigError, RecordError) as error:
        print(f"newsbot record: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


def _open_state(args):
    """The state of ``--output`` (or ``--state``), without the run lock: reading and
    re-queueing are safe beside a running crawl (SQLite serialises the writes)."""
    from .state import StateCorrupt, StateStore

    if args.state and args.state.startswith(("redis://", "rediss://")):  # a cluster's (README, "Running on several machines")
        from .state_redis import RedisStateStore

        return RedisStateStore(args.state, lock=False)
    path = Path(args.state) if args.state else Path(args.output) / ".newsbot" / "state.sqlite"
    if not path.is_file():
        raise SystemExit(f"newsbot: no state at {path} (give --output DIR or --state FILE)")
    try:
        return StateStore(path, lock=False)
    except StateCorrupt as corrupt:
        raise SystemExit(f"newsbot: {corrupt}") from None


def cmd_failed(args) -> int:
    """List the articles that failed (waiting for a retry, or given up), or re-queue them."""
    from datetime import datetime

    store = _open_state(args)
    if args.requeue or args.requeue_all:
        count = store.requeue(None if args.requeue_all else args.requeue)
        print(f"re-queued {count} article(s): the next run fetches them")
        return 0 if count or args.requeue_all else 1
    failures = store.failures([args.site] if args.site else None, given_up_only=args.given_up)
    if args.json:
        print(json.dumps(failures, ensure_ascii=False, indent=2))
        return 0
    for f in failures:
        when = "given up" if f["given_up"] else "next try " + datetime.fromtimestamp(f["next_attempt"]).strftime("%Y-%m-%d %H:%M")
        print(f"{f['site']:<10} {f['reason']:<24} {f['attempts']:>2} attempts  {when:<26} {f['url']}")
    given_up = sum(f["given_up"] for f in failures)
    print(f"{len(failures)} failed article(s), {given_up} given up", file=sys.stderr)
    return 0


def cmd_adopt(args) -> int:
    """Register an existing blog's posts so the crawl writes no second copy of them."""
    from .adopt import adopt_posts
    from .state import StateLocked, StateStore, state_path

    settings = project_settings(NEWSBOT_OUTPUT_DIR=args.output, **({"NEWSBOT_STATE": args.state} if args.state else {}))
    try:
        store = StateStore(state_path(settings), output=args.output)
    except StateLocked as locked:
        print(f"newsbot adopt: {locked}; try again when the crawl has finished", file=sys.stderr)
        return 3
    try:
        results = adopt_posts(store, args.paths)
    finally:
        store.close()
    adopted = [r for r in results if r.why_not is None]
    for r in results:
        print(f"{'adopted' if r.why_not is None else 'not adopted'}: {r.path}"
              + (f" ({r.urlname} = {r.url})" if r.why_not is None else f": {r.why_not}"))
    print(f"{len(adopted)} of {len(results)} posts adopted", file=sys.stderr)
    return 0


def cmd_rebuild_state(args) -> int:
    """A new state from the output's files and JSONL feeds (the old one moved aside)."""
    import time

    from .adopt import rebuild_state
    from .state import StateStore, state_path

    output = Path(args.output)
    settings = project_settings(NEWSBOT_OUTPUT_DIR=args.output, **({"NEWSBOT_STATE": args.state} if args.state else {}))
    path = state_path(settings)
    if path.exists():
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d%H%M%S')}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"moved the old state to {aside}", file=sys.stderr)
    store = StateStore(path, output=output)
    try:
        count = rebuild_state(output, store)
    finally:
        store.close()
    print(f"rebuilt {path}: {count} articles from {output / 'feeds'} and the files beside them")
def cmd_feeds(args) -> int:
    """Rewrite the Atom/RSS feeds and the status page from the output, without crawling."""
    from .sites import load_sites_file
    from .state import state_path
    from .status import write_status_page
    from .syndication import write_feeds

    if args.sites_file:
        load_sites_file(args.sites_file)
    output = Path(args.output)
    if not (output / "feeds").is_dir():
        print(f"newsbot feeds: {output / 'feeds'} does not exist (no crawl has written there)", file=sys.stderr)
        return 2
    if args.entries < 1:
        print("newsbot feeds: --entries must be at least 1", file=sys.stderr)
        return 2
    published = write_feeds(output, args.entries, [args.spider] if args.spider else None)
    page = write_status_page(output, state_path(project_settings(NEWSBOT_OUTPUT_DIR=str(output))), published.scans)
    for path in published.written:
        print(path)
    print(page)
    for failure in published.failures:
        print(f"newsbot feeds: {failure}", file=sys.stderr)
    return 1 if published.failures else 0


def cmd_add(args) -> int:
    """Propose (or append) the campus.yaml entry for the site of one list page."""
    import time

    from .onboard import NotAList, append_entry, fetch, propose, read_article
    from .sites import load_sites_file

    if args.sites_file:
        load_sites_file(args.sites_file)
    user_agent = project_settings().get("USER_AGENT")
    offline = args.page is not None and args.fixtures is None
    try:
        body = Path(args.page).read_bytes() if args.page else fetch(args.url, args.fixtures, user_agent)
        proposal = propose(args.url, body, name=args.name, column_name=args.column_name,
                           display_name=args.display_name)
    except (OSError, NotAList, ValueError) as exc:
        print(f"newsbot add: {exc}", file=sys.stderr)
        return 1
    print(f"{args.url}: {proposal.family or 'no'} family, {len(proposal.articles)} article links, "
          f"next list page {proposal.next_page or 'none'}")
    for url in proposal.articles:
        print(f"  {url}")
    if offline:
        print("articles not read: a saved list page and no --fixtures (give --fixtures DIR, or no --page for the live site)")
    else:
        from .sites import get_site

        site = get_site(proposal.name)
        rules = f"the {proposal.family} rules" if proposal.family else "the entry's rules"
        print(f"first {min(args.articles, len(proposal.articles))} articles, read with {rules}:")
        for number, url in enumerate(proposal.articles[: args.articles]):
            if number and args.fixtures is None:
                time.sleep(project_settings().getfloat("DOWNLOAD_DELAY"))  # the crawl's politeness
            try:
                article = read_article(site, url, fetch(url, args.fixtures, user_agent))
            except Exception as exc:  # one unreadable article: show why, go on with the next
                print(f"  {url}: not read: {exc}")
                continue
            reader = "family rules" if article.extractor == "site" else "generic FALLBACK: add selectors"
            print(f"  [{reader}] {article.published.strftime('%Y-%m-%d %H:%M') if article.published else 'no date'}"
                  f"  {article.title}  ({len(article.body_text or '')} characters)")
    for note in proposal.notes:
        print(f"note: {note}")
    if args.append:
        if proposal.known_site:
            print(f"newsbot add: not appended: {proposal.notes[0]}", file=sys.stderr)
            return 1
        try:
            append_entry(Path(args.append), proposal)
        except (OSError, ValueError) as exc:
            print(f"newsbot add: {exc}", file=sys.stderr)
            return 1
        print(f"appended site {proposal.name} to {args.append}: "
              f"scrapy crawl campus -a site={proposal.name} -s NEWSBOT_SITES_FILE={args.append}")
    else:
        print("campus.yaml entry (check display_name and the column's name and code):")
        print(proposal.yaml(), end="")
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

    failed = sub.add_parser("failed", help="articles that failed: waiting for a retry or given up; re-queue them")
    failed.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    failed.add_argument("--state", default=None, help="the crawl's NEWSBOT_STATE, if not under --output")
    failed.add_argument("--site", default=None)
    failed.add_argument("--given-up", action="store_true", help="only those given up on")
    failed.add_argument("--json", action="store_true")
    failed.add_argument("--requeue", nargs="+", metavar="URL", help="fetch these again on the next run")
    failed.add_argument("--requeue-all", action="store_true", help="fetch every failed article again")
    failed.set_defaults(func=cmd_failed)

    adopt = sub.add_parser("adopt", help="register an existing blog's posts, so no article is written twice")
    adopt.add_argument("paths", nargs="+", help="post files or folders (e.g. source/_posts)")
    adopt.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    adopt.add_argument("--state", default=None, help="the crawl's NEWSBOT_STATE, if not under --output")
    adopt.set_defaults(func=cmd_adopt)

    rebuild = sub.add_parser("rebuild-state", help="rebuild a lost or corrupt state from the files and feeds")
    rebuild.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    rebuild.add_argument("--state", default=None, help="the crawl's NEWSBOT_STATE, if not under --output")
    rebuild.set_defaults(func=cmd_rebuild_state)

    feeds = sub.add_parser("feeds", help="rewrite the Atom/RSS feeds and index.html without crawling")
    feeds.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    feeds.add_argument("--spider", default=None, help="only this spider's feeds ({output}/feeds/SPIDER.jsonl)")
    feeds.add_argument("--entries", type=int, default=default_settings.NEWSBOT_FEED_ENTRIES,
                       help="entries per feed (NEWSBOT_FEED_ENTRIES)")
    feeds.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    feeds.set_defaults(func=cmd_feeds)

    add = sub.add_parser("add", help="propose the campus.yaml entry for a site from one list page")
    add.add_argument("url", help="a column (list) page of the site")
    add.add_argument("--page", default=None, help="the list page saved to a file (no network)")
    add.add_argument("--fixtures", default=None, help="read the pages from these fixtures (newsbot record's layout)")
    add.add_argument("--articles", type=int, default=3, help="read this many of the listed articles (default 3)")
    add.add_argument("--name", default=None, help="the site's key (default: from the host)")
    add.add_argument("--display-name", default=None, help="FORMAT.md {source} (default: from the page title)")
    add.add_argument("--column-name", default=None, help="the column's name (default: from the page title)")
    add.add_argument("--append", default=None, metavar="FILE", help="append the entry to this sites file")
    add.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    add.set_defaults(func=cmd_add)

    status = sub.add_parser("status", help="the exit code of a spider's last run, from its run report "
                            "(for scrapyd jobs, which have none)")
    status.add_argument("--output", required=True, help="the run's NEWSBOT_OUTPUT_DIR")
    status.add_argument("--spider", default="nankai")
    status.add_argument("--worker", default=None, help="a cluster worker's report (its NEWSBOT_CLUSTER_WORKER)")
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
