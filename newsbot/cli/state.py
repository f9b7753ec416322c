"""Commands about the state: ``failed`` (list or re-queue failed articles), ``adopt`` (an
existing blog's posts), ``rebuild-state`` (a lost or corrupt state from the output).

What changes the state (re-queueing, adopting, rebuilding) runs under the run lock
(``changes``): never beside a crawl, and a refusal changes nothing."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from newsbot.cli.common import changes, open_state, state_location, state_settings
from newsbot.crawl import values
from newsbot.errors import ConfigError



def cmd_failed(args) -> int:
    """List the articles that failed (waiting for a retry, or given up), or re-queue them."""
    from newsbot.crawl.extensions.report import failed_for_operator, failed_summary
    from newsbot.dates import operator_time

    if args.requeue or args.requeue_all:
        return requeue(args)
    store = open_state(args)
    try:
        failures = store.failures([args.site] if args.site else None, given_up_only=args.given_up)
    finally:
        store.close()
    if args.json:
        print(json.dumps([failed_for_operator(f) for f in failures], ensure_ascii=False, indent=2))
        return 0
    for f in failures:
        when = "given up" if f.given_up else "next try " + operator_time(f.next_attempt)
        print(f"{f.site:<10} {f.reason:<24} {f.attempts:>2} attempts  {when:<35} {f.url}")
    print(failed_summary(failures), file=sys.stderr)
    return 0


@changes("state")
def requeue(args) -> int:
    store = open_state(args)
    try:
        count = store.requeue(None if args.requeue_all else args.requeue)
    finally:
        store.close()
    if not count and not args.requeue_all:
        raise ConfigError(f"none of {', '.join(args.requeue)} is a failed article (newsbot failed lists them)")
    print(f"re-queued {count} article(s): the next run fetches them")
    return 0


def cmd_adopt(args) -> int:
    """Register an existing blog's posts so the crawl writes no second copy of them."""
    from newsbot.storage.adopt import POST_SUFFIXES, post_files

    args.files, args.skipped = post_files(args.paths)  # before the run lock: no post, nothing changed
    if not args.files:
        raise ConfigError(f"no post file ({', '.join(POST_SUFFIXES)}) under {', '.join(map(str, args.paths))}")
    return adopt_files(args)


@changes("state")
def adopt_files(args) -> int:
    from newsbot.storage.adopt import adopt_posts
    from newsbot.storage.state import open_state as open_store

    files, skipped = args.files, args.skipped
    store = open_store(state_settings(args), lock=False)  # under the run lock; a new state is created
    try:
        results = adopt_posts(store, files, args.site)
    finally:
        store.close()
    adopted = [r for r in results if r.why_not is None]
    for r in results:
        if r.why_not is not None:
            print(f"not adopted: {r.path}: {r.why_not}")
        elif r.title:
            print(f"adopted by title: {r.path} ({r.urlname} = {r.site} article titled {r.title!r}, when the crawl meets it)")
        else:
            print(f"adopted: {r.path} ({r.urlname} = {r.url})")
    if skipped:
        print(f"skipped {len(skipped)} {'entry that is' if len(skipped) == 1 else 'entries that are'} not a "
              f"regular file (symlinks are not followed): {', '.join(map(str, skipped[:5]))}"
              + (" …" if len(skipped) > 5 else ""), file=sys.stderr)
    if not any(r.why_not in (None, "already in the state") for r in results):
        # Nothing adopted, nothing there already: the blog is still unknown to the state.
        raise ConfigError(f"none of the {len(results)} posts could be adopted (see above)")
    by_title = sum(1 for r in adopted if r.title)
    print(f"{len(adopted)} of {len(results)} posts adopted"
          + (f" ({by_title} by title: the crawl matches them)" if by_title else ""), file=sys.stderr)
    return 0


@changes("output", "state")
def cmd_rebuild_state(args) -> int:
    """A new state from the output's files and JSONL feeds. It is built beside the old one,
    which is moved aside (with its -wal and -shm) only once the new one is complete."""
    from newsbot.storage.adopt import rebuild_state
    from newsbot.storage.files import sync_files
    from newsbot.storage.state.sqlite import SqliteStateStore

    output, path = Path(args.output), Path(state_location(args))
    building = path.with_name(f"{path.name}.rebuilding-{os.getpid()}")
    parts = ("", "-wal", "-shm")
    path.parent.mkdir(parents=True, exist_ok=True)
    for left in path.parent.glob(f"{path.name}.rebuilding-*"):  # a killed rebuild's (we hold the lock)
        left.unlink(missing_ok=True)
    try:
        store = SqliteStateStore(building, lock=False)
        try:
            count = rebuild_state(output, store)
        finally:
            store.close()
    except BaseException:
        for part in parts:
            Path(f"{building}{part}").unlink(missing_ok=True)
        raise
    old = [part for part in parts if Path(f"{path}{part}").exists()]
    if old:
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d%H%M%S')}")
        for part in old:
            os.replace(f"{path}{part}", f"{aside}{part}")
        print(f"moved the old state to {aside}", file=sys.stderr)
    os.replace(building, path)
    sync_files([path])  # the new state and the renames, durable
    print(f"rebuilt {path}: {count} articles from {output / 'feeds'} and the files beside them")
    return 0


def add_parsers(sub) -> None:
    failed = sub.add_parser("failed", help="articles that failed: waiting for a retry or given up; re-queue them")
    # (Not an existing_output: with --state the output is not read; without, the state under
    # it must exist, which open_state checks.)
    failed.add_argument("--output", default=None, type=values.output_dir,
                        help="the crawl's NEWSBOT_OUTPUT_DIR (default: output)")
    failed.add_argument("--state", default=None, type=values.existing_state,
                        help="the crawl's NEWSBOT_STATE, if not under --output")
    failed.add_argument("--site", default=None, type=values.site_name)
    failed.add_argument("--given-up", action="store_true", help="only those given up on")
    failed.add_argument("--json", action="store_true")
    failed.add_argument("--requeue", nargs="+", metavar="URL", type=values.http_url,
                        help="fetch these again on the next run")
    failed.add_argument("--requeue-all", action="store_true", help="fetch every failed article again")
    failed.set_defaults(func=cmd_failed)

    adopt = sub.add_parser("adopt", help="register an existing blog's posts, so no article is written twice")
    adopt.add_argument("paths", nargs="+", type=values.existing_path, help="post files or folders (e.g. source/_posts)")
    adopt.add_argument("--output", default="output", type=values.output_dir, help="the crawl's NEWSBOT_OUTPUT_DIR")
    adopt.add_argument("--state", default=None, type=values.state,
                       help="the crawl's NEWSBOT_STATE, if not under --output (a cluster's Redis URL too)")
    adopt.add_argument("--site", default=None, type=values.site_name,
                       help="the site of text posts (.txt, which name none): by default the one site that writes them")
    adopt.set_defaults(func=cmd_adopt)

    rebuild = sub.add_parser("rebuild-state", help="rebuild a lost or corrupt state from the files and feeds")
    rebuild.add_argument("--output", default="output", type=values.existing_output,
                         help="the crawl's NEWSBOT_OUTPUT_DIR")
    rebuild.add_argument("--state", default=None, type=values.state_file,
                         help="the crawl's NEWSBOT_STATE, if not under --output")
    rebuild.set_defaults(func=cmd_rebuild_state)
