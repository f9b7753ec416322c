"""Cluster benchmark: N workers vs 1 on the simulated site of bench/crawl (simsite.py), in
the same run, each a ``scrapy crawl nankai -a backfill=1 -s NEWSBOT_CLUSTER=…`` subprocess
on one redis-server (started here on a random 127.0.0.1 port), politeness off as in
bench/crawl. Also the single-machine default (SQLite) for reference.

    python bench/cluster/run.py --n 10000            # 1 worker, 2 workers, SQLite
    python bench/cluster/run.py --n 2000 --workers 1 2 3

Per run: wall time until the last worker exits, articles written, and the duplicate check
(every article once: state count, feed shard lines, merged feed, files). Exit 1 when a run
wrote other than N articles or any article twice.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1].parent
SIMSITE = REPO / "bench" / "crawl" / "simsite.py"
HOST = "news.nankai.edu.cn"
POLITENESS_OFF = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS=32",
                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", "-s", "LOG_LEVEL=INFO"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def start_site(n: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(SIMSITE), "--n", str(n)], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("port "):
        process.kill()
        raise RuntimeError(f"simulated site did not start: {line!r}")
    return process, f"http://127.0.0.1:{int(line.split()[1])}"


def crawl(output: Path, site: str, extra: list[str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "scrapy", "crawl", "nankai", "-a", "backfill=1",
               "-s", f"NEWSBOT_OUTPUT_DIR={output}", "-s", "NEWSBOT_HOST_MAP=" + json.dumps({HOST: site}),
               *POLITENESS_OFF, *extra]
    return subprocess.Popen(command, cwd=REPO, stdout=open(log, "w"), stderr=subprocess.STDOUT)


def run(n: int, workers: int, site: str, redis_url: str | None, workdir: Path) -> dict:
    output = workdir / (f"{workers}w" if redis_url else "sqlite")
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushall()
    start = time.perf_counter()
    if redis_url:
        processes = [crawl(output, site, ["-s", f"NEWSBOT_CLUSTER={redis_url}", "-s", f"NEWSBOT_CLUSTER_WORKER=w{i}"],
                           workdir / f"{output.name}-w{i}.log") for i in range(workers)]
    else:
        processes = [crawl(output, site, [], workdir / "sqlite.log")]
    codes = [p.wait() for p in processes]
    wall = time.perf_counter() - start
    feeds = output / "feeds"
    if redis_url:
        from newsbot.cluster.shards import merge_feed
        from newsbot.storage.state.redis import RedisStateStore

        shards = [json.loads(line)["urlname"] for shard in feeds.glob("nankai.*.jsonl")
                  for line in shard.read_text(encoding="utf-8").splitlines()]
        merge_feed(output, "nankai")
        store = RedisStateStore(redis_url, worker="bench", lock=False)
        state_count = store.count("nankai")
        store.close()
        per_worker = [json.loads((output / "reports" / f"nankai.w{i}-latest.json").read_text())["new"]
                      for i in range(workers)]
    else:
        shards, state_count, per_worker = None, None, []
    merged = [json.loads(line)["urlname"] for line in (feeds / "nankai.jsonl").read_text(encoding="utf-8").splitlines()]
    files = sum(1 for _ in (output / "nankai").rglob("*.md"))
    ok = (codes == [0] * len(codes) and len(merged) == len(set(merged)) == n and files == n
          and (shards is None or (len(shards) == len(set(shards)) == n and state_count == n)))
    return {"kind": f"{workers} worker{'s' if workers > 1 else ''}" if redis_url else "SQLite (default)",
            "wall": round(wall, 1), "articles": len(set(merged)), "per_worker": per_worker,
            "feed_lines": len(shards) if shards is not None else len(merged), "files": files,
            "exit": codes, "ok": ok}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)
    if not SIMSITE.exists():
        print(f"needs the simulated site {SIMSITE} (bench/crawl)", file=sys.stderr)
        return 2
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-cluster-"))
    workdir.mkdir(parents=True, exist_ok=True)
    redis_process, redis_url = start_redis(workdir)
    site_process, site = start_site(args.n)
    rows = []
    try:
        for workers in args.workers:
            rows.append(run(args.n, workers, site, redis_url, workdir))
            print(rows[-1], flush=True)
        if not args.no_sqlite:
            rows.append(run(args.n, 1, site, None, workdir))
            print(rows[-1], flush=True)
    finally:
        site_process.terminate()
        redis_process.terminate()
    one = next((r["wall"] for r in rows if r["kind"] == "1 worker"), None)
    print(f"\nN = {args.n}, simulated site, politeness off; {workdir}\n")
    print("| run | wall s | articles | per worker | feed lines | files | speedup vs 1 worker | check |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        speedup = f"{one / r['wall']:.2f}x" if one else "-"
        print(f"| {r['kind']} | {r['wall']} | {r['articles']} | {r['per_worker'] or '-'} | {r['feed_lines']} | "
              f"{r['files']} | {speedup} | {'ok' if r['ok'] else 'FAIL'} |")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
