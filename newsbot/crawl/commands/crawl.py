"""``scrapy crawl`` with newsbot's exit codes (docs/operations.md, "Exit codes"), also what a scrapyd job
runs (the egg's settings name this commands module).

0  the run finished (articles that failed are kept for a later run: see the report)
1  the crawl could not start: a bad command line, setting or spider argument (one line on
   stderr says which, before anything is written), a corrupt state
3  another run holds this state or output directory: nothing was done, try again later
4  alarm: the site's layout may have changed, new articles fail, or some were given up on
5  alarm: the site is unreachable (no list page could be fetched)
6  the output or the state cannot be written (disk full, read-only, permissions, Redis
   gone): at start-up, before anything is written, or as an alarm during the run

Everything before the crawl runs goes through newsbot's error boundary
(``newsbot.errors.boundary``): one line ``newsbot: …`` and the code, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from newsbot import secrets
from newsbot.crawl.addon import apply_file_mode, log_in_site_time
from newsbot.crawl.config import check_crawl
from newsbot.errors import ConfigError, StateLocked, boundary
from newsbot.storage.files import check_writable
from newsbot.storage.state import is_redis_url, state_for_crawler, state_path


def directories_written(settings) -> list[Path]:
    """The directories a crawl writes in, as far as they exist before it starts."""
    output = Path(settings.get("NEWSBOT_OUTPUT_DIR", "output"))
    found = [output, output / ".newsbot", output / "feeds", output / "reports"]
    if not is_redis_url(settings.get("NEWSBOT_STATE")):
        found.append(state_path(settings).parent)
    if output.is_dir():
        found += [path for path in sorted(output.glob("*/*")) if path.is_dir() and not path.name.startswith(".")]
    return found


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        # Here, before Scrapy starts logging and before the run lock: a bad command line,
        # setting or argument, or an output that cannot be written, costs one line on
        # stderr and leaves nothing behind.
        secrets.install()  # before anything logs or prints a setting (docs/cluster.md, "Running on several machines")
        with boundary():
            try:
                super().process_options(args, opts)
            except UsageError as bad:
                raise ConfigError(str(bad) or "see scrapy crawl -h") from None
            loader = get_spider_loader(self.settings)
            spiders = ", ".join(sorted(loader.list()))
            if len(args) != 1:
                raise ConfigError(f"give one spider to crawl, e.g. scrapy crawl nankai; the spiders are {spiders}")
            try:
                spidercls = loader.load(args[0])
            except KeyError:
                raise ConfigError(f"no spider {args[0]!r}; the spiders are {spiders}") from None
            check_crawl(self.settings, spidercls, opts.spargs)
            apply_file_mode(self.settings)  # before the state and its lock are created
            check_writable(directories_written(self.settings))
            log_in_site_time()  # from Scrapy's first line on

    def run(self, args, opts):
        with boundary():
            crawler = self._create_crawler(args[0])
            try:
                # Take the run lock before anything starts, so an overlapping run stops here.
                state_for_crawler(crawler)
            except StateLocked as locked:
                raise StateLocked(f"{locked}; not running") from None
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
            if self.crawler_process.bootstrap_failed:
                self.exitcode = 1
            else:
                self.exitcode = getattr(crawler, "newsbot_exit_code", 0)
