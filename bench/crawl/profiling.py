"""``run.py --profile N``: one newsbot backfill of N simulated articles under cProfile (the
crawl subprocess itself: ``python -m cProfile -o … -m scrapy crawl nankai …``), and the
idle rerun on its output (start-up cost with N articles in the state), then
- the top functions by cumulative and by own time (wall clock: cProfile times the main
  thread, which is where Scrapy's reactor, the pipelines and every fsync run);
- the calls the performance issue names, counted per article, to check its account.
"""

from __future__ import annotations

import pstats
from pathlib import Path

# (label, file suffix or "~" for built-ins, function name): the suspects.
SUSPECTS = (
    ("os.fsync (files, dirs, feed)", "~", "<built-in method posix.fsync>"),
    ("SQLite commit", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("write_atomic", "newsbot/storage/files.py", "write_atomic"),
    ("DurableFeed.append", "newsbot/storage/feed.py", "append"),
    ("SeenStore.mark", "newsbot/storage/state/sqlite.py", "mark"),
    ("start-up: feed load/repair", "newsbot/storage/feed.py", "_repair_and_load"),
    ("start-up: feed reconcile", "newsbot/storage/feed.py", "reconcile"),
    ("start-up: state records", "newsbot/storage/state/sqlite.py", "records"),
    ("PyYAML safe_load", "yaml/__init__.py", "safe_load"),
    ("parsel: page parse (create_root_node)", "parsel/selector.py", "create_root_node"),
    ("lxml fragment_fromstring", "lxml/html/__init__.py", "fragment_fromstring"),
    ("lxml etree.tostring", "~", "<built-in method lxml.etree.tostring>"),
    ("copy.deepcopy", "copy.py", "deepcopy"),
    ("body: read_body (paragraphs and clean HTML, one walk)", "newsbot/html/body.py", "read_body"),
    ("body: _Walker.flush", "newsbot/html/body.py", "flush"),
    ("re.sub (module function)", "re/__init__.py", "sub"),
    ("Pattern.sub", "~", "<method 'sub' of 're.Pattern' objects>"),
    ("nankai _meta_text", "newsbot/pages/nankai.py", "_meta_text"),
    ("generic date search (GenericExtraction)", "newsbot/pages/generic/extraction.py", "published"),
    ("render (profiles)", "newsbot/publish/profiles.py", "render"),
    ("clean_article", "newsbot/extract.py", "clean_article"),
    ("read_page (worker: extract + clean)", "newsbot/extract.py", "read_page"),
    ("extract_article", "newsbot/extract.py", "extract_article"),
    ("parse_list (spider)", "newsbot/crawl/spiders/__init__.py", "parse_list"),
    ("parse_article (spider)", "newsbot/crawl/spiders/__init__.py", "parse_article"),
    ("Scrapy item workers (CONCURRENT_ITEMS)", "scrapy/utils/defer.py", "worker"),
    ("Scrapy item workers (asyncgen)", "scrapy/utils/asyncgen.py", "worker"),
)


def matches(key: tuple, suffix: str, name: str) -> bool:
    filename, _, function = key
    if suffix == "~":
        return filename == "~" and function == name
    return filename.replace("\\", "/").endswith(suffix) and function == name


def suspects_table(stats: pstats.Stats, articles: int, wall: float) -> list[tuple]:
    lines = [("what", "calls", "per article", "own s", "cumulative s", "cum share of wall")]
    for label, suffix, name in SUSPECTS:
        found = [(k, v) for k, v in stats.stats.items() if matches(k, suffix, name)]
        if not found:
            continue
        calls = sum(v[1] for _, v in found)
        own = sum(v[2] for _, v in found)
        cumulative = max(v[3] for _, v in found)  # recursion-safe: the outermost entry
        lines.append((label, f"{calls:,}", f"{calls / max(articles, 1):.1f}", f"{own:.2f}", f"{cumulative:.2f}",
                      f"{cumulative / wall:.0%}"))
    return lines


def top_table(stats: pstats.Stats, sort: str, limit: int, wall: float) -> list[tuple]:
    index = {"cumulative": 3, "tottime": 2}[sort]
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][index], reverse=True)
    lines = [("function", "calls", "own s", "cumulative s", "share of wall")]
    for (filename, line, function), (_, calls, own, cumulative, _) in rows:
        if len(lines) > limit:
            break
        where = function if filename == "~" else f"{short(filename)}:{line} {function}"
        lines.append((where[:90], f"{calls:,}", f"{own:.2f}", f"{cumulative:.2f}", f"{(cumulative if index == 3 else own) / wall:.0%}"))
    return lines


def short(filename: str) -> str:
    for marker in ("site-packages/", "/newsbot/", "/lib/python3"):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return ("newsbot/" + rest) if marker == "/newsbot/" else rest
    return filename


def profile_backfill(site, n: int, workdir: Path, newsbot_crawl) -> None:
    from run import markdown

    site.control("set", n=n, new=0)
    profile = workdir / f"backfill-{n}.prof"
    result = newsbot_crawl(site, workdir / f"profile-{n}", backfill=True, profile=profile)
    stats = pstats.Stats(str(profile))
    wall = result["wall"]
    print(f"Profile of a newsbot backfill of {n:,} simulated articles (cProfile, {profile})")
    print(f"wall {wall:.1f} s, CPU {result['cpu']:.1f} s, peak {result['rss_mb']:.0f} MB, {result['articles']} articles, "
          f"{result['requests']} requests; first request at {result['first_request']:.2f} s, first article request at "
          f"{result['first_article']:.1f} s, last list page at {result['last_list']:.1f} s\n")
    print("Top by cumulative time\n")
    print(markdown(top_table(stats, "cumulative", 40, wall)))
    print("\nTop by own time\n")
    print(markdown(top_table(stats, "tottime", 25, wall)))
    print("\nThe issue's suspects\n")
    print(markdown(suspects_table(stats, result["articles"], wall)))

    profile = workdir / f"idle-{n}.prof"
    result = newsbot_crawl(site, workdir / f"profile-{n}", backfill=False, profile=profile)
    stats = pstats.Stats(str(profile))
    wall = result["wall"]
    print(f"\nProfile of the idle rerun on that output ({profile}): wall {wall:.1f} s, CPU {result['cpu']:.1f} s, "
          f"peak {result['rss_mb']:.0f} MB, first request at {result['first_request']:.2f} s\n")
    print(markdown(top_table(stats, "cumulative", 30, wall)))
    print()
    print(markdown(suspects_table(stats, 1, wall)[:1] + [line for line in suspects_table(stats, 1, wall)[1:]
                                                          if line[0].startswith("start-up")]))
