"""``scrapy crawl`` with newsbot's exit codes (README, "Exit codes").

0  the run finished (even with some articles dropped or failed: see the run report)
1  the crawl could not start: a bad setting or spider argument (one line on stderr says
   which, before anything is written), or Scrapy could not start it
2  usage error on the command line (Scrapy's own)
3  another run holds this state (NEWSBOT_STATE): nothing was done, try again later
4  the run finished but raised an alarm (the site's layout probably changed): see the log
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.spiderloader import get_spider_loader

from ..config import ConfigError, check_crawl
from ..middlewares import apply_file_mode
from ..state import SeenStore, StateLocked

EXIT_LOCKED = 3
EXIT_ALARM = 4


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        # Here, before Scrapy starts logging and before the run lock: a bad setting or
        # argument costs one line on stderr and leaves nothing behind.
        if len(args) == 1:
            loader = get_spider_loader(self.settings)
            try:
                spidercls = loader.load(args[0])
            except KeyError:
                print(f"newsbot: no spider {args[0]!r}; the spiders are {', '.join(sorted(loader.list()))}",
                      file=sys.stderr)
                sys.exit(1)
            try:
                check_crawl(self.settings, spidercls, opts.spargs)
            except ConfigError as bad:
                print(f"newsbot: {bad}", file=sys.stderr)
                sys.exit(1)
            apply_file_mode(self.settings)  # before the state and its lock are created

    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)
        crawler = self._create_crawler(args[0])
        try:
            # Take the run lock before anything starts, so an overlapping run stops here.
            SeenStore.for_crawler(crawler)
        except StateLocked as locked:
            print(f"newsbot: {locked}; not running (exit {EXIT_LOCKED})", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif getattr(crawler, "newsbot_alarms", None):
            self.exitcode = EXIT_ALARM
