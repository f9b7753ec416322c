"""``newsbot adopt``: an existing blog's posts are registered under their own urlnames, so
the next crawl writes no second copy, even where the old urlname is the MD5 of an http://
URL (seeds 001 and 002, written by the hand-made scraper newsbot replaces)."""

import hashlib
import json
import subprocess
import sys

import pytest

from .conftest import FIXTURES, ROOT, SEEDS, crawl

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seeds are not at {SEEDS}")


def test_adopted_posts_are_not_written_again(tmp_path):
    blog = tmp_path / "blog" / "_posts"
    blog.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("00[012]_*.txt")):
        (blog / f"{seed.stem}.md").write_bytes(seed.read_bytes())
    output = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "adopt", str(blog), "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "3 of 3 posts adopted" in done.stderr
    # Seeds 001 and 002 were named after the http:// URL: not what newsbot's rule gives.
    old_names = {line.split(" (")[1].split(" = ")[0] for line in done.stdout.splitlines()}
    http_names = {hashlib.md5(u.encode()).hexdigest() for u in (
        "http://news.nankai.edu.cn/ywsd/system/2022/05/20/030051382.shtml",
        "http://news.nankai.edu.cn/ywsd/system/2022/03/29/030050730.shtml")}
    assert http_names <= old_names

    done, report = crawl("nankai", output, replay=FIXTURES / "nankai")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 24  # 27 fixture articles, 3 of them already on the blog
    written = {json.loads(line)["url"] for line in (output / "feeds" / "nankai.jsonl").read_text().splitlines()}
    assert not written & {
        "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml",
        "https://news.nankai.edu.cn/ywsd/system/2022/05/20/030051382.shtml",
        "https://news.nankai.edu.cn/ywsd/system/2022/03/29/030050730.shtml",
    }
    again = subprocess.run([sys.executable, "-m", "newsbot.cli", "adopt", str(blog), "--output", str(output)],
                           cwd=ROOT, capture_output=True, text=True)
    assert "0 of 3 posts adopted" in again.stderr and "already in the state" in again.stdout
