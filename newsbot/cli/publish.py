"""``newsbot feeds``: the Atom/RSS feeds and the status page, rewritten without crawling."""

from __future__ import annotations

import sys
from pathlib import Path

from newsbot import settings as default_settings
from newsbot.cli.common import project_settings

def cmd_feeds(args) -> int:
    """Rewrite the Atom/RSS feeds and the status page from the output, without crawling."""
    from newsbot.sites import load_sites_file
    from newsbot.storage.state import state_path
    from newsbot.publish.status import write_status_page
    from newsbot.publish.feeds import write_feeds

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


def add_parsers(sub) -> None:
    feeds = sub.add_parser("feeds", help="rewrite the Atom/RSS feeds and index.html without crawling")
    feeds.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    feeds.add_argument("--spider", default=None, help="only this spider's feeds ({output}/feeds/SPIDER.jsonl)")
    feeds.add_argument("--entries", type=int, default=default_settings.NEWSBOT_FEED_ENTRIES,
                       help="entries per feed (NEWSBOT_FEED_ENTRIES)")
    feeds.add_argument("--sites-file", default=None, help="also read this sites file (campus.yaml format)")
    feeds.set_defaults(func=cmd_feeds)
