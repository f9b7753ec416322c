"""Commands about the state: ``failed`` (list or re-queue failed articles), ``adopt`` (an
existing blog's posts), ``rebuild-state`` (a lost or corrupt state from the output)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from newsbot.cli.common import open_state, project_settings


def cmd_failed(args) -> int:
    """List the articles that failed (waiting for a retry, or given up), or re-queue them."""
    from newsbot.crawl.extensions.report import failed_for_operator, failed_summary
    from newsbot.dates import operator_time

    store = open_state(args)
    if args.requeue or args.requeue_all:
        count = store.requeue(None if args.requeue_all else args.requeue)
        print(f"re-queued {count} article(s): the next run fetches them")
        return 0 if count or args.requeue_all else 1
    failures = store.failures([args.site] if args.site else None, given_up_only=args.given_up)
    if args.json:
        print(json.dumps([failed_for_operator(f) for f in failures], ensure_ascii=False, indent=2))
        return 0
    for f in failures:
        when = "given up" if f.given_up else "next try " + operator_time(f.next_attempt)
        print(f"{f.site:<10} {f.reason:<24} {f.attempts:>2} attempts  {when:<35} {f.url}")
    print(failed_summary(failures), file=sys.stderr)
    return 0


def cmd_adopt(args) -> int:
    """Register an existing blog's posts so the crawl writes no second copy of them."""
    from newsbot.errors import StateLocked
    from newsbot.storage.adopt import POST_SUFFIXES, adopt_posts
    from newsbot.storage.state import open_state as open_store

    from newsbot.sites import get_site

    try:
        args.site = args.site and get_site(args.site).name
    except ValueError as exc:
        print(f"newsbot adopt: --site: {exc}", file=sys.stderr)
        return 1
    settings = project_settings(NEWSBOT_OUTPUT_DIR=args.output, **({"NEWSBOT_STATE": args.state} if args.state else {}))
    try:
        store = open_store(settings)
    except StateLocked as locked:
        print(f"newsbot adopt: {locked}; try again when the crawl has finished", file=sys.stderr)
        return 3
    try:
        results = adopt_posts(store, args.paths, args.site)
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
    by_title = sum(1 for r in adopted if r.title)
    print(f"{len(adopted)} of {len(results)} posts adopted"
          + (f" ({by_title} by title: the crawl matches them)" if by_title else ""), file=sys.stderr)
    if not any(r.why_not in (None, "already in the state") for r in results):
        # Nothing adopted, nothing there already: the blog is still unknown to the state.
        why = (f"no post file ({', '.join(POST_SUFFIXES)}) under {', '.join(args.paths)}" if not results
               else f"none of the {len(results)} posts could be adopted (see above)")
        print(f"newsbot adopt: {why}", file=sys.stderr)
        return 1
    return 0


def cmd_rebuild_state(args) -> int:
    """A new state from the output's files and JSONL feeds (the old one moved aside)."""
    import time

    from newsbot.storage.adopt import rebuild_state
    from newsbot.storage.state.sqlite import SqliteStateStore
    from newsbot.storage.state import state_path

    output = Path(args.output)
    settings = project_settings(NEWSBOT_OUTPUT_DIR=args.output, **({"NEWSBOT_STATE": args.state} if args.state else {}))
    path = state_path(settings)
    if path.exists():
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d%H%M%S')}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"moved the old state to {aside}", file=sys.stderr)
    store = SqliteStateStore(path, output=output)
    try:
        count = rebuild_state(output, store)
    finally:
        store.close()
    print(f"rebuilt {path}: {count} articles from {output / 'feeds'} and the files beside them")


def add_parsers(sub) -> None:
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
    adopt.add_argument("--site", default=None,
                       help="the site of text posts (.txt, which name none): by default the one site that writes them")
    adopt.set_defaults(func=cmd_adopt)

    rebuild = sub.add_parser("rebuild-state", help="rebuild a lost or corrupt state from the files and feeds")
    rebuild.add_argument("--output", default="output", help="the crawl's NEWSBOT_OUTPUT_DIR")
    rebuild.add_argument("--state", default=None, help="the crawl's NEWSBOT_STATE, if not under --output")
    rebuild.set_defaults(func=cmd_rebuild_state)
