"""Crawl benchmark: newsbot against a simulated news.nankai.edu.cn, beside a bare Scrapy
spider on the same site in the same run (the ceiling). See README.md here.

    python bench/crawl/run.py --n 1000 10000      # the crawl table, then the extraction table
    python bench/crawl/run.py --big               # adds N = 100000
    python bench/crawl/run.py --profile 2000      # cProfile one 2,000-article backfill instead
    python bench/crawl/run.py --n 2000 --fsync-ab # also a backfill with fsync off: what durability costs
    python bench/crawl/run.py --n 2000 --set CONCURRENT_ITEMS=1   # an A/B of a setting (newsbot runs)
    python bench/crawl/run.py --n 1000 20000 --mem   # also the memory table (RSS sampled in the crawl)
    python bench/crawl/run.py --mem-trace 10000      # tracemalloc: what grows during one backfill

Per N: (a) a full backfill (``-a backfill=1``) into a fresh output, (b) an idle rerun on
that output (nothing new), (c) a run after ``--new`` articles appeared, (d) the bare spider
over the N articles, (e) the bare spider reading only each column's first list page (Scrapy
start-up plus the pages an idle rerun reads). Every crawl is a ``scrapy`` subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from simsite import HOST, Site  # noqa: E402

POLITENESS_OFF = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "LOG_LEVEL": "INFO",
}


# --- the server ----------------------------------------------------------------------------
class SimulatedSite:
    """The simulated site in its own process (its CPU is not the crawler's)."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(HERE / "simsite.py"), "--n", "0"],
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("port "):
            self.process.kill()
            raise RuntimeError(f"simulated site did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def control(self, action: str, **params) -> dict:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        with urllib.request.urlopen(f"{self.base}/__bench/{action}?{query}", timeout=30) as answer:
            return json.load(answer)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def server_alone(site: SimulatedSite, articles: int, connections: int = 32) -> dict:
    """Fetch every list page and ``articles`` article pages with a bare asyncio client
    (keep-alive, ``connections`` at once): the server's rate with no crawler in the way."""
    import asyncio

    paths = Site(articles).paths()

    async def worker(queue, sizes):
        reader, writer = await asyncio.open_connection("127.0.0.1", site.port)
        while queue:
            path = queue.pop()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            sizes.append(len(await reader.readexactly(length)))
        writer.close()

    async def fetch_all():
        queue, sizes = list(paths), []
        await asyncio.gather(*(worker(queue, sizes) for _ in range(connections)))
        return sizes

    site.control("set", n=articles, new=0)
    before = site.control("reset")["cpu_s"]
    start = time.perf_counter()
    sizes = asyncio.run(fetch_all())
    wall = time.perf_counter() - start
    cpu = site.control("stats")["cpu_s"] - before
    return {"pages": len(sizes), "wall": wall, "pages_per_s": len(sizes) / wall,
            "server_cpu_us_per_page": cpu / len(sizes) * 1e6, "mean_kb": sum(sizes) / len(sizes) / 1024}


# --- one crawl -----------------------------------------------------------------------------
def run_child(cmd: list[str], cwd: Path, log: Path, env: dict | None = None) -> dict:
    """Run a crawl; its wall time, CPU (user + sys) and peak RSS from wait4 on the child.
    (Linux's ru_maxrss is the largest of the child's own peak and those of the descendants
    it reaped, never a sum: in effect the crawl process's, as its workers are smaller.)"""
    start_epoch, start = time.time(), time.perf_counter()
    with open(log, "ab") as out:
        child = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                 env={**os.environ, **env} if env else None)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": time.perf_counter() - start, "started_at": start_epoch, "rc": child.returncode,
            "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def settings_args(settings: dict) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def newsbot_crawl(site: SimulatedSite, output: Path, backfill: bool, profile: Path | None = None,
                  durable: bool = True, extra: list[str] = (), mem: dict | None = None) -> dict:
    """``mem``: run under memtrace.py with these MEMTRACE_* variables (MEMTRACE_OUT is
    set here) and add its summary as ``mem``."""
    output.mkdir(parents=True, exist_ok=True)
    settings = {**POLITENESS_OFF, "NEWSBOT_OUTPUT_DIR": str(output),
                "NEWSBOT_HOST_MAP": json.dumps({HOST: site.base})}
    python = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else [])
    if not durable:  # the A/B of what the flushes cost (nofsync.py)
        python.append(str(HERE / "nofsync.py"))
    env = None
    if mem is not None:  # RSS sampled in the crawl, and its workers' (memtrace.py)
        python.append(str(HERE / "memtrace.py"))
        env = {**mem, "MEMTRACE_OUT": str(output / f"mem-{'backfill' if backfill else 'rerun'}.json")}
    cmd = python + ["-m", "scrapy", "crawl", "nankai", *settings_args(settings), "--logfile", str(output / "crawl.log")]
    for setting in extra:
        cmd += ["-s", setting]
    if backfill:
        cmd += ["-a", "backfill=1"]
    result = measured(site, lambda: run_child(cmd, REPO, output / "crawl.out", env))
    report = json.loads((output / "reports" / "nankai-latest.json").read_text(encoding="utf-8"))
    result.update(articles=report["new"], crawler_requests=report["requests"])
    if env:
        from memtrace import summary

        result["mem"] = summary(json.loads(Path(env["MEMTRACE_OUT"]).read_text(encoding="utf-8")))
    return result


def bare_crawl(site: SimulatedSite, output: Path, pages: int | None = None) -> dict:
    output.mkdir(parents=True, exist_ok=True)
    stats = output / "stats.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(HERE / "bare_spider.py"),
           "-a", f"base={site.base}", "-a", f"stats_out={stats}",
           *settings_args({**POLITENESS_OFF, "ROBOTSTXT_OBEY": "1"}), "--logfile", str(output / "crawl.log")]
    if pages:
        cmd += ["-a", f"pages={pages}"]
    # Outside the repository: no scrapy.cfg, so none of newsbot's settings apply.
    result = measured(site, lambda: run_child(cmd, output, output / "crawl.out"))
    scraped = json.loads(stats.read_text(encoding="utf-8"))
    result.update(articles=scraped.get("item_scraped_count", 0), crawler_requests=scraped.get("downloader/request_count", 0))
    return result


def measured(site: SimulatedSite, run) -> dict:
    """Run a crawl with the server's counters reset; add what the server saw."""
    before = site.control("reset")["cpu_s"]
    result = run()
    seen = site.control("stats")
    start = result["started_at"]
    result.update(
        requests=seen["requests"], article_requests=seen["counts"]["article"], list_requests=seen["counts"]["list"],
        server_cpu=seen["cpu_s"] - before,
        first_request=(seen["first_request_at"] - start) if seen["first_request_at"] else None,
        first_article=(seen["first_at"]["article"] - start) if "article" in seen["first_at"] else None,
        last_list=(seen["last_at"]["list"] - start) if "list" in seen["last_at"] else None,
    )
    return result


def bench(site: SimulatedSite, n: int, new: int, workdir: Path, fsync_ab: bool = False,
          extra: list[str] = (), mem: dict | None = None) -> list[dict]:
    """The five runs for one N, ceiling first (it also warms the page cache for Scrapy);
    with ``fsync_ab`` a sixth: the backfill again with fsync and SQLite syncs off."""
    rows = []

    def add(kind, expected, result):
        result.update(n=n, run=kind, expected=expected)
        rows.append(result)
        print(f"  N={n:<7} {kind:<14} {result['wall']:7.1f} s  {result['articles']} articles", file=sys.stderr, flush=True)

    site.control("set", n=n, new=0)
    add("bare idle", 0, bare_crawl(site, workdir / f"bare-idle-{n}", pages=1))
    add("bare backfill", n, bare_crawl(site, workdir / f"bare-{n}"))
    output = workdir / f"newsbot-{n}"
    add("backfill", n, newsbot_crawl(site, output, backfill=True, extra=extra, mem=mem))
    if fsync_ab:
        add("backfill no fsync", n, newsbot_crawl(site, workdir / f"nofsync-{n}", backfill=True, durable=False, extra=extra))
    add("idle rerun", 0, newsbot_crawl(site, output, backfill=False, extra=extra))
    site.control("set", n=n, new=new)
    add(f"+{new} new", new, newsbot_crawl(site, output, backfill=False, extra=extra))
    return rows


def fastest(rows: list[dict]) -> list[dict]:
    """Of repeated runs, each (N, kind)'s fastest, in the order they first ran."""
    best: dict[tuple, dict] = {}
    for row in rows:
        key = (row["n"], row["run"])
        if key not in best or row["wall"] < best[key]["wall"]:
            best[key] = row
    return list(best.values())


# --- the tables ----------------------------------------------------------------------------
def crawl_table(rows: list[dict]) -> str:
    head = ("N", "run", "wall s", "articles", "art/s", "CPU s", "peak MB", "requests",
            "1st req s", "1st art s", "srv CPU", "vs ceiling", "check")
    lines = [head]
    by_n = {}
    for row in rows:
        by_n.setdefault(row["n"], {})[row["run"]] = row
    for row in rows:
        bare = by_n[row["n"]]
        rate = row["articles"] / row["wall"] if row["wall"] else 0
        if row["run"].startswith("backfill") and "bare backfill" in bare:
            b = bare["bare backfill"]
            ratio = f"{rate / (b['articles'] / b['wall']):.2f}x rate, {row['cpu'] / b['cpu']:.1f}x CPU"
        elif row["run"] not in ("bare idle", "bare backfill") and "bare idle" in bare:
            ratio = f"{row['wall'] / bare['bare idle']['wall']:.2f}x wall of bare idle"
        else:
            ratio = ""
        ok = row["articles"] == row["expected"] and row["rc"] == 0
        if row["run"].endswith("new") and row["article_requests"] != row["expected"]:
            ok = False
        lines.append((
            f"{row['n']:,}", row["run"], f"{row['wall']:.1f}", str(row["articles"]),
            f"{rate:.0f}" if row["articles"] else "-", f"{row['cpu']:.1f}", f"{row['rss_mb']:.0f}",
            f"{row['requests']:,}", f"{row['first_request']:.2f}" if row["first_request"] else "-",
            f"{row['first_article']:.1f}" if row["first_article"] else "-",
            f"{row['server_cpu'] / row['cpu']:.0%}" if row["cpu"] else "-", ratio,
            "ok" if ok else f"EXPECTED {row['expected']} articles, rc 0",
        ))
    return markdown(lines)


def memory_table(rows: list[dict]) -> str:
    """The backfills' memory (``--mem``): the peak of each N against the smallest N's, and
    the growth per 1,000 articles within a run; the bare spider beside them."""
    head = ("N", "run", "peak MB", "vs smallest N", "crawl MB at 10%", "crawl peak after", "MB per 1k art",
            "children MB")
    lines = [head]
    runs = [r for r in rows if r["run"] in ("bare backfill", "backfill")]
    for row in runs:
        smallest = min((r for r in runs if r["run"] == row["run"]), key=lambda r: r["n"])
        mem = row.get("mem") or {}
        lines.append((
            f"{row['n']:,}", row["run"], f"{row['rss_mb']:.0f}", f"{row['rss_mb'] - smallest['rss_mb']:+.0f}",
            *(f"{mem[k]:.0f}" if k in mem else "-" for k in ("crawl_at_tenth_mb", "crawl_after_mb")),
            f"{mem['mb_per_1k']:.2f}" if "mb_per_1k" in mem else "-",
            f"{mem['workers_peak_mb']:.0f}" if mem else "-",
        ))
    return markdown(lines)


def mem_trace(site: SimulatedSite, n: int, workdir: Path, extra: list[str] = ()) -> None:
    """``--mem-trace N``: one backfill under tracemalloc, snapshots at N/10 and N articles."""
    site.control("set", n=n, new=0)
    trace = {"MEMTRACE_AT": f"{max(1, n // 10)},{n}", "MEMTRACE_TRACE": "1"}
    output = workdir / f"mem-trace-{n}"
    result = newsbot_crawl(site, output, backfill=True, mem=trace, extra=extra)
    report = json.loads((output / "mem-backfill.json").read_text(encoding="utf-8"))
    mem = result["mem"]
    print(f"Backfill of {n:,} articles under tracemalloc ({output / 'mem-backfill.json'}): wall {result['wall']:.0f} s, "
          f"peak {result['rss_mb']:.0f} MB (wait4), crawl RSS {mem.get('crawl_at_tenth_mb', 0):.0f} MB at 10% -> "
          f"{mem.get('crawl_after_mb', 0):.0f} MB peak after ({mem.get('mb_per_1k', 0):.2f} MB per 1,000 articles), "
          f"child processes {mem['workers_peak_mb']:.0f} MB\n")
    print("Allocation sites that grew most between the two snapshots (Python allocations only)\n")
    lines = [("KB", "blocks", "where (innermost frame first)")]
    for grown in report.get("top_growth", [])[:15]:
        lines.append((f"{grown['kb']:.0f}", f"{grown['count']:+}", " <- ".join(reversed(grown["where"][-4:]))))
    print(markdown(lines))
    print("\nLive objects that grew most (gc): " + ", ".join(f"{name} {count:+}" for name, count in
                                                          report.get("object_growth", [])[:10]))


def markdown(lines: list[tuple]) -> str:
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(lines[0]))]
    out = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="article counts (default 1000 10000)")
    parser.add_argument("--big", action="store_true", help="also N = 100000")
    parser.add_argument("--new", type=int, default=20, help="articles added before run (c) (default 20)")
    parser.add_argument("--workdir", default=None, help="keep outputs and logs here (default: a temp dir, removed)")
    parser.add_argument("--json", default=None, help="also write every measurement to this JSON file")
    parser.add_argument("--extract-pages", type=int, default=200, help="simulated pages in the extraction table (0: none)")
    parser.add_argument("--no-extraction", action="store_true", help="skip the extraction table")
    parser.add_argument("--repeat", type=int, default=1, help="run everything this many times; the table shows "
                        "each kind's fastest run (default 1)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra -s setting for the newsbot crawls (an A/B of a setting), repeatable")
    parser.add_argument("--fsync-ab", action="store_true",
                        help="also a backfill with fsync and SQLite syncs off (what durability costs)")
    parser.add_argument("--profile", type=int, default=None, metavar="N",
                        help="instead: cProfile one backfill of N articles and print the hot spots")
    parser.add_argument("--mem", action="store_true",
                        help="sample the newsbot crawls' RSS (memtrace.py) and print the memory table")
    parser.add_argument("--mem-trace", type=int, default=None, metavar="N",
                        help="instead: one backfill of N articles under tracemalloc; what grew most")
    args = parser.parse_args(argv)
    ns = args.n + ([100_000] if args.big else [])
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    site = SimulatedSite()
    try:
        if args.profile:
            from profiling import profile_backfill

            profile_backfill(site, args.profile, workdir, newsbot_crawl)
            return 0
        if args.mem_trace:
            mem_trace(site, args.mem_trace, workdir, args.set)
            return 0
        print(machine())
        alone = server_alone(site, min(max(ns), 5000))
        every = []
        for repeat in range(args.repeat):
            for n in ns:
                every += bench(site, n, args.new, workdir / f"run{repeat + 1}", args.fsync_ab, args.set,
                               mem={} if args.mem else None)
        rows = fastest(every)
        print(f"\nCrawl (politeness off, 32 concurrent requests; fastest of {args.repeat} run(s) of each kind; "
              f"workdir {workdir})\n")
        print(crawl_table(rows))
        if args.mem:
            print("\nMemory of the backfills (peak MB: ru_maxrss from wait4, the crawl process; the rest sampled "
                  "every second by memtrace.py; children MB: its child processes' RSS summed: forkserver, "
                  "resource tracker, workers)\n")
            print(memory_table(rows))
        crawl_cpu = sum(r["cpu"] for r in every)
        print(f"\nThe simulated site alone: {alone['pages_per_s']:.0f} pages/s to a bare asyncio client "
              f"({alone['pages']} pages, {alone['mean_kb']:.1f} KB mean, 32 connections), "
              f"{alone['server_cpu_us_per_page']:.0f} µs of server CPU per page; during the crawls it used "
              f"{sum(r['server_cpu'] for r in every):.1f} s CPU against the crawlers' {crawl_cpu:.1f} s.")
        extraction = []
        if not args.no_extraction:
            from extraction import REPEATS, extraction_rows, extraction_table

            extraction = extraction_rows(args.extract_pages)
            print(f"\nExtraction per page (min of {REPEATS} per page, mean over pages)\n")
            print(extraction_table(extraction))
        if args.json:
            Path(args.json).write_text(json.dumps({"machine": machine(), "server_alone": alone, "crawls": every,
                                                   "extraction": extraction}, indent=2), encoding="utf-8")
        failed = [r for r in every if r["rc"] != 0 or r["articles"] != r["expected"]]
        return 1 if failed else 0
    finally:
        site.close()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def machine() -> str:
    import platform

    import scrapy

    load = os.getloadavg()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return (f"Machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
            f"load average {load[0]:.1f} at start")


if __name__ == "__main__":
    sys.exit(main())
