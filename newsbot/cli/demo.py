"""``newsbot demo``: the offline crawl of the bundled fixtures."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import Settings

from newsbot.cli.common import FIXTURES, project_settings
from newsbot.crawl import values
from newsbot.errors import ConfigError

def run_crawl(spider: str, settings: Settings, **spider_args) -> dict:
    """Run one crawl in this process, as ``scrapy crawl`` does (the output checked writable,
    the run lock taken first); return its final stats."""
    from scrapy.crawler import CrawlerProcess

    from newsbot.crawl.commands.crawl import directories_written
    from newsbot.storage.files import check_writable
    from newsbot.storage.state import state_for_crawler

    check_writable(directories_written(settings))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    state_for_crawler(crawler)  # the run lock: another run holding it stops the demo here (exit 3)
    process.crawl(crawler, **spider_args)
    process.start()
    return crawler.stats.get_stats()


def cmd_demo(args) -> int:
    """Offline crawl of the bundled fixtures into ./output, then a short summary."""
    replay = FIXTURES / "nankai"
    if not replay.is_dir():
        raise ConfigError(f"the bundled fixtures are not at {replay} (run newsbot demo from a source checkout)")
    output = Path(args.output).resolve()
    settings = project_settings(
        NEWSBOT_REPLAY_DIR=str(replay), NEWSBOT_OUTPUT_DIR=str(output), LOG_LEVEL=args.log_level
    )
    stats = run_crawl("nankai", settings)
    written = stats.get("newsbot/written", 0)
    files = sorted((output / "nankai").rglob("*.md"))
    print(f"newsbot demo: crawled {stats.get('newsbot/list_pages', 0)} list pages and "
          f"{stats.get('newsbot/article_pages', 0)} article pages from {replay}")
    print(f"  new articles written this run: {written}")
    print(f"  already written by an earlier run: {stats.get('newsbot/links_known', 0)}")
    dropped = {k.split('/')[-1]: v for k, v in stats.items() if k.startswith("newsbot/dropped/")}
    if dropped:
        print(f"  dropped: {dropped}")
    print(f"  Markdown files in {output / 'nankai' / 'hexo'}: {len(files)}")
    print(f"  JSONL feed: {output / 'feeds' / 'nankai.jsonl'}")
    print(f"  Atom feeds: {output / 'feeds' / 'nankai.atom'} and one per column, nankai-ywsd.atom ... (RSS: .rss)")
    print(f"  status page: {output / 'index.html'}")
    for path in files[:3]:
        print(f"    {path.relative_to(output)}")
    return 0


def add_parsers(sub) -> None:
    demo = sub.add_parser("demo", help="offline crawl of the bundled fixtures into ./output")
    demo.add_argument("--output", default="output", type=values.output_dir)
    demo.add_argument("--log-level", default="WARNING", type=values.log_level)
    demo.set_defaults(func=cmd_demo)
