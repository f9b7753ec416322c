"""``newsbot crawl SPIDER [scrapy crawl's options]``: ``scrapy crawl`` with newsbot's settings
from any directory. ``scrapy crawl`` finds a project through ``scrapy.cfg``, which only the
checkout has; an installed wheel has none, so this names the settings module itself."""

from __future__ import annotations

import argparse
import os

from newsbot.crawl import values


def cmd_crawl(args) -> int:
    from scrapy.cmdline import execute

    os.environ["SCRAPY_SETTINGS_MODULE"] = "newsbot.settings"
    execute(["scrapy", "crawl", *args.arguments])  # exits with the crawl command's code
    return 0  # not reached


def add_parsers(sub) -> None:
    crawl = sub.add_parser("crawl", help="scrapy crawl with newsbot's settings, from any directory",
                           add_help=False, prefix_chars="\0")
    crawl.add_argument("arguments", nargs=argparse.REMAINDER, type=values.crawl_arguments,
                       help="SPIDER and scrapy crawl's options (-a, -s, ...)")
    crawl.set_defaults(func=cmd_crawl)
