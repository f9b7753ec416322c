"""``scrapy crawl`` with newsbot's exit codes (README, "Exit codes").

0  the run finished (articles that failed are kept for a later run: see the report)
1  the crawl could not start: a bad setting or spider argument (one line on stderr says
   which, before anything is written), a corrupt state, or Scrapy could not start it
2  usage error on the command line (Scrapy's own)
3  another run holds this state or output directory: nothing was done, try again later
4  alarm: the site's layout may have changed, new articles fail, or some were given up on
5  alarm: the site is unreachable (no list page could be fetched)
6  alarm: the output cannot be written (disk full, permissions)
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.spiderloader import get_spider_loader

from newsbot import secrets
from newsbot.crawl.addon import apply_file_mode, log_in_site_time
from newsbot.crawl.config import check_crawl
from newsbot.errors import EXIT_LOCKED, ConfigError, OutputError, StateCorrupt, StateLocked
from newsbot.storage.state import state_for_crawler


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        secrets.install()  # before anything logs or prints a setting (README, "Running on several machines")
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
                print(f"newsbot: {secrets.mask(str(bad))}", file=sys.stderr)
                sys.exit(1)
            apply_file_mode(self.settings)  # before the state and its lock are created
            log_in_site_time()  # from Scrapy's first line on

    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)
        crawler = self._create_crawler(args[0])
        try:
            # Take the run lock before anything starts, so an overlapping run stops here.
            state_for_crawler(crawler)
        except StateLocked as locked:
            print(f"newsbot: {secrets.mask(str(locked))}; not running (exit {EXIT_LOCKED})", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except (ConfigError, StateCorrupt, OutputError) as error:  # e.g. a Redis that refuses or is gone (exit 6)
            print(f"newsbot: {secrets.mask(str(error))}", file=sys.stderr)
            self.exitcode = error.exit_code
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        else:
            self.exitcode = getattr(crawler, "newsbot_exit_code", 0)
