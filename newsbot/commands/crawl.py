"""``scrapy crawl`` with newsbot's exit codes (README, "Exit codes").

0  the run finished (articles that failed are kept for a later run: see the report)
1  the crawl could not start (bad spider name, setting or argument; a corrupt state)
2  usage error on the command line (Scrapy's own)
3  another run holds this state or output directory: nothing was done, try again later
4  alarm: the site's layout may have changed, new articles fail, or some were given up on
5  alarm: the site is unreachable (no list page could be fetched)
6  alarm: the output cannot be written (disk full, permissions)
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from ..state import StateCorrupt, StateLocked, StateStore

EXIT_LOCKED = 3


class Command(ScrapyCrawl):
    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)
        crawler = self._create_crawler(args[0])
        try:
            # Take the run lock before anything starts, so an overlapping run stops here.
            StateStore.for_crawler(crawler)
        except StateLocked as locked:
            print(f"newsbot: {locked}; not running (exit {EXIT_LOCKED})", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except StateCorrupt as corrupt:
            print(f"newsbot: {corrupt}", file=sys.stderr)
            self.exitcode = 1
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        else:
            self.exitcode = getattr(crawler, "newsbot_exit_code", 0)
