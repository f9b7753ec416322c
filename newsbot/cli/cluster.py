"""Commands for a cluster's operator: ``status`` (a run's exit code from its report, for scrapyd
jobs), ``merge-shards`` (the workers' feed shards into one feed) and ``cluster-acl`` (the Redis
ACL file: newsbot's user limited to its keys and commands)."""

from __future__ import annotations

import sys
from pathlib import Path

from newsbot import settings as default_settings
from newsbot.cli.common import changes
from newsbot.crawl import values
from newsbot.errors import ConfigError, say


def cmd_status(args) -> int:
    from newsbot.crawl.extensions.report import EXIT_NO_REPORT, report_status

    code, message = report_status(args.output, args.spider, args.worker)
    if code == EXIT_NO_REPORT:  # no report, or not one: a run that finished writes one
        raise ConfigError(message)
    print(message, file=sys.stderr if code else sys.stdout)
    return code


@changes("output")
def cmd_merge_shards(args) -> int:
    from newsbot.cluster.shards import merge_feed

    from newsbot.cli.publish import publish

    path, added = merge_feed(args.output, args.spider)
    print(f"{path}: {added} lines added from the workers' shards")
    # The merged feed is what the Atom/RSS feeds and the status page show: rebuilt here,
    # so one command after the workers publishes their articles.
    published, page = publish(Path(args.output), args.entries, [args.spider], args.feeds_url)
    if published.failures:
        say(f"{'; '.join(published.failures)}; the feeds and the status page were left as they were")
        return 1
    print(f"{len(published.written)} feeds and {page} rewritten")
    return 0


def cmd_cluster_acl(args) -> int:
    from newsbot.storage.state.connection import acl_rule, password_file_of, read_password_file

    path = args.password_file or password_file_of()
    if not path:
        raise ConfigError("give --password-file FILE (or set NEWSBOT_REDIS_PASSWORD_FILE): "
                          "the file holding newsbot's Redis password")
    rule = acl_rule(args.user, read_password_file(path))
    print("user default off")  # without it, whoever reaches the port could do anything
    print(rule)
    return 0


def add_parsers(sub) -> None:
    status = sub.add_parser("status", help="the exit code of a spider's last run, from its run report "
                            "(for scrapyd jobs, which have none)")
    status.add_argument("--output", required=True, type=values.existing_output, help="the run's NEWSBOT_OUTPUT_DIR")
    status.add_argument("--spider", default="nankai", type=values.spider_name)
    status.add_argument("--worker", default=None, type=values.name,
                        help="a cluster worker's report (its NEWSBOT_CLUSTER_WORKER)")
    status.set_defaults(func=cmd_status)

    merge = sub.add_parser("merge-shards", help="merge a cluster's feed shards (feeds/{spider}.{worker}.jsonl) "
                           "into feeds/{spider}.jsonl")
    merge.add_argument("--output", required=True, type=values.existing_output, help="the shared NEWSBOT_OUTPUT_DIR")
    merge.add_argument("--spider", default="nankai", type=values.spider_name)
    merge.add_argument("--entries", type=values.count, default=default_settings.NEWSBOT_FEED_ENTRIES,
                       help="entries per Atom/RSS feed (NEWSBOT_FEED_ENTRIES)")
    merge.add_argument("--feeds-url", default=None, type=values.optional_http_url,
                       help="where feeds/ is served (NEWSBOT_FEEDS_URL): rel=self links")
    merge.set_defaults(func=cmd_merge_shards)

    acl = sub.add_parser("cluster-acl", help="the Redis ACL file for a cluster: the default user off, and a "
                         "user with newsbot's password (as a SHA-256) limited to newsbot's keys and commands")
    acl.add_argument("--password-file", default=None, type=values.password_file,
                     help="the file holding newsbot's Redis password (default: $NEWSBOT_REDIS_PASSWORD_FILE)")
    acl.add_argument("--user", default="newsbot", type=values.user_name,
                     help="the ACL user's name, as in NEWSBOT_CLUSTER's URL")
    acl.set_defaults(func=cmd_cluster_acl)
