"""How the feeds' cost grows with the JSONL history (docs/output.md, "Feeds"; the figures: bench/README.md).

    .venv/bin/python bench/feeds/measure.py 1000 100000

For each size: a JSONL of that many 40 KB nankai records in a temporary directory, then
``write_feeds`` timed, with the bytes it read (``rchar`` of /proc/self/io). The files are
deleted afterwards (100 000 records are 4 GB).
"""

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from newsbot.publish.feeds import write_feeds

COLUMNS = ["南开要闻", "综合新闻", "媒体南开", "南开人物"]
BODY = "<p>" + "南开大学新闻正文。" * 1500 + "</p>"  # ~40 KB as JSON


def record(i: int) -> str:
    url = f"https://news.nankai.edu.cn/ywsd/system/2024/01/01/03{i:07d}.shtml"
    return json.dumps({
        "url": url, "urlname": hashlib.md5(url.encode()).hexdigest(), "site": "nankai", "source": "南开大学",
        "title": f"文章 {i}", "columns": [COLUMNS[i % 4]], "published": "2024-01-01T09:00:00+08:00",
        "crawled_at": "2024-01-02T09:00:00+08:00", "author": ["张三"], "body_html": BODY,
        "images": [f"http://news.nankai.edu.cn/pic/{i}.jpg"]}, ensure_ascii=False) + "\n"


def read_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


for size in map(int, sys.argv[1:] or ["1000", "100000"]):
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder)
        (output / "feeds").mkdir()
        with open(output / "feeds" / "nankai.jsonl", "w", encoding="utf-8") as handle:
            for i in range(size):
                handle.write(record(i))
        history = (output / "feeds" / "nankai.jsonl").stat().st_size
        before, start = read_bytes(), time.perf_counter()
        published = write_feeds(output, 50)
        seconds, read = time.perf_counter() - start, read_bytes() - before
        scan = published.scans["nankai"]
        print(f"{size:>7} records, {history / 1e6:8.1f} MB of history: {seconds:5.2f} s, "
              f"read {read / 1e6:6.1f} MB, {scan.read} records parsed, {len(published.written)} files written")
