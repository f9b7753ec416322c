"""``newsbot takedown``: articles removed for good (docs/operations.md, "Taking an article down")."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path

from newsbot import settings as default_settings
from newsbot.cli.common import open_state, run_lock, state_location
from newsbot.crawl import values
from newsbot.errors import ConfigError, OutputError, StateLocked, output_error


def urls_of(args) -> list[str]:
    urls = list(args.urls)
    if args.all_from_file:
        try:
            text = Path(args.all_from_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--all-from-file {args.all_from_file}: {exc}") from None
        urls += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return urls


def cmd_takedown(args) -> int:
    from newsbot.publish.takedown import resolve

    if args.list:
        return list_takedowns(args)
    urls = urls_of(args)
    if not urls:
        raise ConfigError("takedown: give the URLs to take down (or --all-from-file FILE, or --list)")
    for url in urls:  # a bad URL stops the command before anything is changed
        resolve(url)
    output = Path(args.output or "output")
    if not output.is_dir():
        raise ConfigError(f"--output {output}: no such directory (the crawl's NEWSBOT_OUTPUT_DIR)")
    with ExitStack() as held:
        deadline = time.monotonic() + args.wait
        while True:  # the run locks a crawl holds (the output's; a state file's): wait, or refuse
            try:
                held.enter_context(run_lock(output, state_location(args)))
                break
            except StateLocked as locked:
                if time.monotonic() >= deadline:
                    raise StateLocked(f"{locked}: a crawl is running; nothing was taken down (try again when "
                                      f"it has finished, or give --wait SECONDS)") from None
                time.sleep(1)
        return take_down_urls(args, output, urls)


def take_down_urls(args, output: Path, urls: list[str]) -> int:
    from newsbot.cli.publish import publish
    from newsbot.publish.takedown import take_down

    store = open_state(args)
    try:
        done = take_down(output, store, urls, args.reason, wait=args.wait)
    except OSError as exc:  # a file that cannot be removed, a feed that cannot be appended to
        raise output_error(exc, "cannot take the article down") from None
    finally:
        store.close()
    for t in done:
        files = ", ".join(str(path) for path in t.removed) or "no files"
        note = ("; newsbot recorded no file of it (a post it adopted?): remove it from the blog by hand"
                if t.was == "written" and not t.entry.files else "")
        print(f"taken down: {t.url} ({t.urlname}, {t.was}): removed {files}"
              + (f"; tombstone in {t.tombstone_in}" if t.tombstone_in else "") + note)
    spiders = sorted({path.stem for path in (t.tombstone_in for t in done) if path is not None})
    if not (output / "feeds").is_dir():
        return 0
    published, page = publish(output, args.entries, spiders or None, args.feeds_url, args.state and str(args.state))
    if published.failures:
        raise OutputError(f"taken down, but the feeds could not be rewritten ({'; '.join(published.failures)}): "
                          f"run newsbot feeds --output {output}")
    print(f"rewrote {len(published.written)} Atom/RSS feeds and {page}")
    return 0


def list_takedowns(args) -> int:
    from newsbot.dates import operator_time

    store = open_state(args)
    try:
        entries = store.takedowns()
    finally:
        store.close()
    for t in entries:
        print(f"{operator_time(t.when)}  {t.site:<10} {t.url}"
              + (f"  ({t.reason})" if t.reason else "")
              + ("" if t.tombstoned else "  [no tombstone yet: run newsbot takedown URL again]"))
    print(f"{len(entries)} article(s) taken down", file=sys.stderr)
    return 0


def add_parsers(sub) -> None:
    takedown = sub.add_parser("takedown", help="remove articles for good: files, feeds, status page; never fetched again")
    takedown.add_argument("urls", nargs="*", metavar="URL", type=values.http_url,
                          help="the articles' URLs (as the site shows them)")
    takedown.add_argument("--all-from-file", metavar="FILE", default=None, type=values.existing_file,
                          help="also every URL in FILE, one per line")
    takedown.add_argument("--list", action="store_true", help="list the articles taken down")
    takedown.add_argument("--reason", default=None, type=values.optional_text,
                          help="why (kept in the state and the tombstone line)")
    takedown.add_argument("--output", default=None, type=values.existing_output,
                          help="the crawl's NEWSBOT_OUTPUT_DIR (default: output)")
    takedown.add_argument("--state", default=None, type=values.existing_state,
                          help="the crawl's NEWSBOT_STATE, if not under --output (a cluster's redis:// URL too)")
    takedown.add_argument("--wait", type=values.seconds, default=0.0, metavar="SECONDS",
                          help="wait this long for a running crawl to finish (default: refuse at once, exit 3)")
    takedown.add_argument("--entries", type=values.count, default=default_settings.NEWSBOT_FEED_ENTRIES,
                          help="entries per Atom/RSS feed (NEWSBOT_FEED_ENTRIES)")
    takedown.add_argument("--feeds-url", default=None, type=values.optional_http_url,
                          help="where feeds/ is served (NEWSBOT_FEEDS_URL): rel=self links")
    takedown.set_defaults(func=cmd_takedown)
