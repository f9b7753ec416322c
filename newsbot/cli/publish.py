"""``newsbot feeds``: the Atom/RSS feeds and the status page, rewritten without crawling."""

from __future__ import annotations

from pathlib import Path

from newsbot import settings as default_settings
from newsbot.cli.common import changes, project_settings
from newsbot.crawl import values
from newsbot.errors import ConfigError, say


def publish(output: Path, entries: int, spiders=None, feeds_url: str | None = None, state: str | None = None):
    """The Atom/RSS feeds of these spiders (all: None) and the status page of every spider.
    When a feed cannot be built, nothing is written. ``state``: the crawl's NEWSBOT_STATE
    (a file, or a cluster's Redis URL) when not under ``output``. Returns (Published,
    status page or None)."""
    from newsbot.publish.feeds import Published, scan_jsonl, write_feeds
    from newsbot.publish.status import taken_down_urlnames, write_status_page
    from newsbot.storage.state import is_redis_url, open_state, state_path

    missing = [output / "feeds" / f"{spider}.jsonl" for spider in spiders or ()
               if not (output / "feeds" / f"{spider}.jsonl").is_file()]
    if missing:
        return Published(failures=[f"{path}: no such JSONL feed" for path in missing]), None
    # The state as it is (a crawl may hold it): read, never locked, created or migrated.
    settings = project_settings(NEWSBOT_OUTPUT_DIR=str(output), **({"NEWSBOT_STATE": state} if state else {}))
    store = open_state(settings, lock=False, read_only=True) \
        if is_redis_url(state) or state_path(settings).is_file() else None
    try:
        taken_down = taken_down_urlnames(store)
        published = write_feeds(output, entries, spiders, feeds_url=feeds_url, all_or_nothing=True,
                                taken_down=taken_down)
        if published.failures:
            return published, None
        scans = dict(published.scans)
        for path in sorted((output / "feeds").glob("*.jsonl")):  # the page shows every spider
            if path.stem not in scans:
                scans[path.stem] = scan_jsonl(path, entries, taken_down)
        page = write_status_page(output, store, scans)
    finally:
        if store is not None:
            store.close()
    return published, page


@changes("output")
def cmd_feeds(args) -> int:
    """Rewrite the Atom/RSS feeds and the status page from the output, without crawling."""
    output = args.output
    if not (output / "feeds").is_dir():
        raise ConfigError(f"{output / 'feeds'} does not exist (no crawl has written there)")
    published, page = publish(output, args.entries, [args.spider] if args.spider else None, args.feeds_url,
                              args.state and str(args.state))
    if published.failures:
        say(f"{'; '.join(published.failures)}; nothing was written")
        return 1
    for path in published.written:
        print(path)
    print(page)
    return 0


def add_parsers(sub) -> None:
    feeds = sub.add_parser("feeds", help="rewrite the Atom/RSS feeds and index.html without crawling")
    feeds.add_argument("--output", default="output", type=values.existing_output,
                       help="the crawl's NEWSBOT_OUTPUT_DIR")
    feeds.add_argument("--spider", default=None, type=values.spider_name,
                       help="only this spider's feeds ({output}/feeds/SPIDER.jsonl)")
    feeds.add_argument("--entries", type=values.count, default=default_settings.NEWSBOT_FEED_ENTRIES,
                       help="entries per feed (NEWSBOT_FEED_ENTRIES)")
    feeds.add_argument("--feeds-url", default=None, type=values.optional_http_url,
                       help="where feeds/ is served (NEWSBOT_FEEDS_URL): rel=self links")
    feeds.add_argument("--sites-file", default=None, type=values.sites_file,
                       help="also read this sites file (campus.yaml format)")
    feeds.add_argument("--state", default=None, type=values.state,
                       help="the crawl's NEWSBOT_STATE (a file, or a cluster's redis:// URL), if not under --output")
    feeds.set_defaults(func=cmd_feeds)
