"""``newsbot takedown``: articles removed for good (README, "Taking an article down")."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from newsbot import settings as default_settings
from newsbot.cli.common import project_settings
from newsbot.errors import ConfigError, OutputError, StateCorrupt, StateLocked


@contextmanager
def changing_state(args):
    """The state of ``--output``/``--state``, opened under the run locks a crawl holds (the
    state's and the output directory's; a cluster's Redis state: the output directory's),
    waiting up to ``--wait`` seconds for a crawl to end: StateLocked (exit 3) after that,
    with nothing changed."""
    from newsbot.storage.state import is_redis_url, open_state, state_path
    from newsbot.storage.state.sqlite import SqliteStateStore, _lock

    settings = project_settings(NEWSBOT_OUTPUT_DIR=args.output, **({"NEWSBOT_STATE": args.state} if args.state else {}))
    if not is_redis_url(args.state) and not state_path(settings).is_file():
        raise ConfigError(f"no state at {state_path(settings)} (give --output DIR or --state FILE)")
    deadline = time.monotonic() + args.wait
    output_lock = None  # a cluster's: the output directory's run lock (merge-shards, feeds)
    while True:
        try:
            if is_redis_url(args.state):
                output_lock = _lock(Path(args.output).resolve() / ".newsbot" / "run.lock")
                store = open_state(settings, lock=False)  # (its password file, TLS: NEWSBOT_REDIS_*)
            else:
                store = SqliteStateStore(state_path(settings), output=args.output)
            break
        except StateLocked as locked:
            if time.monotonic() >= deadline:
                raise StateLocked(f"{locked}: a crawl is running; nothing was taken down (try again when it "
                                  f"has finished, or give --wait SECONDS)") from None
            time.sleep(1)
        except BaseException:
            if output_lock is not None:
                output_lock.close()
            raise
    try:
        yield store
    finally:
        store.close()
        if output_lock is not None:
            output_lock.close()


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
    try:
        return takedown(args)
    except (ConfigError, StateLocked, StateCorrupt, OutputError) as exc:
        print(f"newsbot takedown: {exc}", file=sys.stderr)
        return exc.exit_code


def takedown(args) -> int:
    from newsbot.cli.publish import publish
    from newsbot.publish.takedown import resolve, take_down

    if args.list:
        return list_takedowns(args)
    urls = urls_of(args)
    if not urls:
        raise ConfigError("give the URLs to take down (or --all-from-file FILE, or --list)")
    for url in urls:  # a bad URL stops the command before anything is changed
        resolve(url)
    output = Path(args.output)
    with changing_state(args) as store:
        try:
            done = take_down(output, store, urls, args.reason, wait=args.wait)
        except OSError as exc:
            raise OutputError(f"cannot remove the files or write the feed under {output}: {exc}") from None
        for t in done:
            files = ", ".join(str(path) for path in t.removed) or "no files"
            note = ("; newsbot recorded no file of it (a post it adopted?): remove it from the blog by hand"
                    if t.was == "written" and not t.entry.files else "")
            print(f"taken down: {t.url} ({t.urlname}, {t.was}): removed {files}"
                  + (f"; tombstone in {t.tombstone_in}" if t.tombstone_in else "") + note)
        spiders = sorted({path.stem for path in (t.tombstone_in for t in done) if path is not None})
        if not (output / "feeds").is_dir():
            return 0
        published, page = publish(output, args.entries, spiders or None, args.feeds_url, args.state)
        if published.failures:
            raise OutputError(f"taken down, but the feeds could not be rewritten ({'; '.join(published.failures)}): "
                              f"run newsbot feeds --output {output}")
        print(f"rewrote {len(published.written)} Atom/RSS feeds and {page}")
    return 0


def list_takedowns(args) -> int:
    from newsbot.cli.common import open_state
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
    takedown.add_argument("urls", nargs="*", metavar="URL", help="the articles' URLs (as the site shows them)")
    takedown.add_argument("--all-from-file", metavar="FILE", default=None, help="also every URL in FILE, one per line")
    takedown.add_argument("--list", action="store_true", help="list the articles taken down")
    takedown.add_argument("--reason", default=None, help="why (kept in the state and the tombstone line)")
    takedown.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    takedown.add_argument("--state", default=None,
                          help="the crawl's NEWSBOT_STATE, if not under --output (a cluster's redis:// URL too)")
    takedown.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                          help="wait this long for a running crawl to finish (default: refuse at once, exit 3)")
    takedown.add_argument("--entries", type=int, default=default_settings.NEWSBOT_FEED_ENTRIES,
                          help="entries per Atom/RSS feed (NEWSBOT_FEED_ENTRIES)")
    takedown.add_argument("--feeds-url", default=None, help="where feeds/ is served (NEWSBOT_FEEDS_URL): rel=self links")
    takedown.set_defaults(func=cmd_takedown)
