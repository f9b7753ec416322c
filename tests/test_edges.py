"""Every promise holds at the edges (issue 18, sections 2 and 4): operator commands are safe
to run at any time, start-up failures name their real cause, the worker pool dies with its
crawl, a column that moves off the site raises the alarm, JSONL is split on b"\\n" only,
``newsbot adopt`` survives odd directories, and an unreadable robots.txt disallows its host.

Each test drives the real fault: a crawl holding the run lock, a full or read-only tmpfs
mounted for the test, SIGKILL, a redirecting or failing server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS, crawl, crawl_command, newsbot
from .httpsite import Fault, Gate
from .test_crash import ARTICLES, md_files, start_gated_crawl, wait_until

pytestmark = pytest.mark.slow  # every test here starts a process

DEEP_ARTICLE = "/ywsd/system/2022/03/29/030050730.shtml"  # on ywsd's last list page
FIRST_PAGE_ARTICLE = "/ywsd/system/2023/05/18/030056201.shtml"  # on ywsd's first list page
FIRST_LIST_PAGE = "/ywsd/index.shtml"


def snapshot(root: Path) -> dict:
    """Every entry under ``root``: its kind, mode and bytes (what "nothing changed" means)."""
    found = {}
    for path in sorted(Path(root).rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[relative] = ("link", os.readlink(path))
        elif path.is_dir():
            found[relative] = ("dir", path.stat().st_mode)
        elif path.is_file():
            found[relative] = ("file", path.stat().st_mode, path.read_bytes())
        else:
            found[relative] = ("other", path.stat().st_mode)
    return found


def newsbot_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("newsbot:")]


def alarm_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "ALARM:" in line]


def feed_urlnames(output: Path, name: str = "nankai") -> list[str]:
    raw = (output / "feeds" / f"{name}.jsonl").read_bytes()
    return [json.loads(line)["urlname"] for line in raw.split(b"\n") if line]


# --- section 2: operator commands take the run lock first -----------------------------------
@pytest.fixture
def crawled_with_a_failure(http_site, tmp_path):
    """An output after one complete crawl in which one article failed (so there is something
    to re-queue), a feed shard to merge, and a blog post to adopt."""
    output = tmp_path / "out"
    http_site.faults[DEEP_ARTICLE] = Fault(status=500)
    done, report = crawl("nankai", output, site=http_site)
    assert done.returncode == 0 and report["new"] == ARTICLES - 1, done.stderr[-3000:]
    http_site.faults.clear()
    line = json.loads((output / "feeds" / "nankai.jsonl").read_bytes().split(b"\n")[0])
    line["urlname"], line["url"] = "0" * 32, line["url"] + "?shard"
    (output / "feeds" / "nankai.w1.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    posts = tmp_path / "posts"
    posts.mkdir()
    seed = sorted(SEEDS.glob("001_*.txt"))[0]
    (posts / f"{seed.stem}.md").write_bytes(seed.read_bytes())
    return output, posts


OPERATOR_COMMANDS = {
    "rebuild-state": lambda output, posts: ["rebuild-state", "--output", str(output)],
    "adopt": lambda output, posts: ["adopt", str(posts), "--output", str(output)],
    "merge-shards": lambda output, posts: ["merge-shards", "--output", str(output), "--spider", "nankai"],
    "feeds": lambda output, posts: ["feeds", "--output", str(output)],
    "failed --requeue-all": lambda output, posts: ["failed", "--output", str(output), "--requeue-all"],
}


@pytest.mark.parametrize("command", list(OPERATOR_COMMANDS))
def test_an_operator_command_run_during_a_crawl_refuses_with_exit_3_and_changes_nothing(
        http_site, crawled_with_a_failure, command):
    output, posts = crawled_with_a_failure
    gate = threading.Event()  # the second crawl holds the run lock, waiting for its first list page
    http_site.faults[FIRST_LIST_PAGE] = Fault(block=gate)
    log = open(output.parent / "second.log", "w")
    running = subprocess.Popen(crawl_command("nankai", output, "-s", "DOWNLOAD_TIMEOUT=60", site=http_site),
                               cwd=ROOT, stdout=log, stderr=log)
    try:
        wait_until(lambda: FIRST_LIST_PAGE in http_site.held_paths(), running)
        before = snapshot(output)
        done = newsbot(*OPERATOR_COMMANDS[command](output, posts))
        after = snapshot(output)
    finally:
        gate.set()
    assert running.wait(timeout=60) == 0
    assert done.returncode == 3, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("newsbot: ") and "another newsbot run" in line
    assert after == before, sorted(set(after.items()) ^ set(before.items()))[:4]
    # The crawl that held the lock is whole: no article twice.
    names = feed_urlnames(output)
    assert len(names) == len(set(names)) == ARTICLES - 1


# --- section 2: start-up failures name their real cause --------------------------------------
@contextlib.contextmanager
def tmpfs(size: str):
    """A tmpfs of ``size`` mounted for the test (skipped where mounting is not permitted)."""
    mount = Path(tempfile.mkdtemp(prefix="newsbot-tmpfs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount permission): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        mount.rmdir()


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True, capture_output=True)


@contextlib.contextmanager
def read_only(path: Path):
    """``path`` (a directory) read-only through a bind mount: root ignores chmod."""
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True, capture_output=True)
    try:
        remount(path, "bind,ro")
        yield path
    finally:
        subprocess.run(["umount", str(path)], capture_output=True)


def fill(disk: Path) -> Path:
    """``disk`` full: a file that takes every free byte (unlink it to free them)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:  # unbuffered: closing it has nothing left to write
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_a_full_disk_at_start_up_is_exit_6_naming_no_space_never_rebuild_state(http_site):
    with tmpfs("8m") as disk:
        output = disk / "out"
        done, _ = crawl("nankai", output, "-a", "columns=ywsd", site=http_site)
        assert done.returncode == 0, done.stderr[-3000:]
        filler = fill(disk)
        before = snapshot(output)
        done, _ = crawl("nankai", output, site=http_site)
        assert done.returncode == 6, done.stderr[-3000:]
        assert "Traceback" not in done.stderr
        [line] = newsbot_lines(done.stderr)
        assert "no space" in line.lower() and "rebuild-state" not in line, line
        # The advice an operator might follow anyway must not make things worse either.
        rebuilt = newsbot("rebuild-state", "--output", str(output))
        assert rebuilt.returncode == 6, (rebuilt.stdout, rebuilt.stderr)
        assert snapshot(output) == before
        filler.unlink()
        http_site.reset_log()
        done, report = crawl("nankai", output, site=http_site)
        assert done.returncode == 0, done.stderr[-3000:]
        names = feed_urlnames(output)
        assert len(names) == len(set(names)) == ARTICLES


def test_a_read_only_output_at_start_up_is_exit_6_in_one_line(http_site):
    with tmpfs("16m") as disk:
        output = disk / "out"
        done, _ = crawl("nankai", output, "-a", "columns=ywsd", site=http_site)
        assert done.returncode == 0, done.stderr[-3000:]
        remount(disk, "ro")
        try:
            done, _ = crawl("nankai", output, site=http_site)
            commands = [newsbot(*OPERATOR_COMMANDS[command](output, output)) for command in
                        ("rebuild-state", "merge-shards", "feeds", "failed --requeue-all")]
        finally:
            remount(disk, "rw")
    assert done.returncode == 6, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    [line] = newsbot_lines(done.stderr)
    assert "read-only" in line and "rebuild-state" not in line, line
    for command in commands:  # the operator commands say the same
        assert command.returncode == 6 and command.stderr.count("\n") == 1, (command.args, command.stderr)
        assert command.stderr.startswith("newsbot: ") and "read-only file system" in command.stderr


def test_a_read_only_feeds_directory_is_not_a_silent_exit_0(http_site, tmp_path):
    output = tmp_path / "out"
    done, _ = crawl("nankai", output, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    with read_only(output / "feeds") as feeds:
        probe = subprocess.run(["touch", str(feeds / "probe")], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("the read-only bind mount is writable here")
        done, _ = crawl("nankai", output, site=http_site)  # an idle rerun: only the Atom/RSS feeds to write
    assert done.returncode == 6, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    [line] = newsbot_lines(done.stderr)
    assert "read-only" in line and str(output / "feeds") in line, line


def test_rebuild_state_moves_the_old_state_aside_whole_and_puts_the_new_one_in_its_place(http_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    state = tmp_path / ".newsbot" / "state.sqlite"
    state.write_bytes(b"garbage" * 500)  # corrupt, with a write-ahead log beside it
    Path(f"{state}-wal").write_bytes(b"wal bytes")
    rebuilt = newsbot("rebuild-state", "--output", str(tmp_path))
    assert rebuilt.returncode == 0 and f"{ARTICLES} articles" in rebuilt.stdout, rebuilt.stderr
    [aside] = state.parent.glob("state.sqlite.broken-*[0-9]")
    assert aside.read_bytes() == b"garbage" * 500 and Path(f"{aside}-wal").read_bytes() == b"wal bytes"
    assert not Path(f"{state}-wal").exists() and not list(state.parent.glob("*.rebuilding-*"))
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0 and report["new"] == 0 and http_site.article_requests() == []


# --- section 4: the worker pool dies with its parent ----------------------------------------
def descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, todo = [], [pid]
    while todo:
        children = [child for child, parent in parents.items() if parent == todo[-1]]
        todo.pop()
        found += children
        todo += children
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead, waiting for init to reap it


def test_sigkill_of_a_backfill_leaves_none_of_its_worker_processes_alive(http_site, tmp_path):
    output = tmp_path / "out"
    gate = Gate(let_through=3)
    process = start_gated_crawl(http_site, output, gate, "-a", "backfill=1", "-s", "NEWSBOT_WORKERS=2")
    survivors = []
    try:
        # The pool is up (forkserver, resource tracker, two workers) and has read pages.
        wait_until(lambda: http_site.held_paths() and len(md_files(output)) >= 3
                   and len(descendants(process.pid)) >= 4, process)
        pool = descendants(process.pid)
        process.kill()
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in pool):
            time.sleep(0.1)
        survivors = [pid for pid in pool if alive(pid)]
        assert survivors == [], [Path(f"/proc/{pid}/cmdline").read_bytes()[:100] for pid in survivors]
    finally:
        gate.set()
        for pid in survivors:  # (on a failure) not left behind by the test either
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()


# --- section 4: a column whose first list page leaves the site ----------------------------
def test_a_column_redirected_to_another_host_exits_4_with_an_alarm_naming_the_target(http_site, tmp_path):
    http_site.faults["/mtnk/index.shtml"] = Fault(redirect="https://news.elsewhere.example.org/mtnk/")
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 4, done.stderr[-3000:]
    [alarm] = alarm_lines(done.stderr)
    assert "column nankai/媒体南开" in alarm and "https://news.elsewhere.example.org/mtnk/" in alarm, alarm
    assert report["exit_code"] == 4 and report["new"] >= 20  # the other columns are written


# --- section 4: JSONL is split on b"\n" only --------------------------------------------------
SEPARATORS = "一\u2028二\u2029三\u0085四"


@pytest.fixture
def separators_crawl(http_site, tmp_path):
    """A crawl whose article on ywsd's first list page holds U+2028, U+2029 and U+0085."""
    path = http_site.root / "news.nankai.edu.cn" / FIRST_PAGE_ARTICLE.lstrip("/")
    html = path.read_text(encoding="utf-8")
    start = html.index('id="txt">') + len('id="txt">')
    http_site.pages[FIRST_PAGE_ARTICLE] = (html[:start] + f"<p>{SEPARATORS}</p>" + html[start:]).encode()
    output = tmp_path / "out"
    done, report = crawl("nankai", output, site=http_site)
    assert done.returncode == 0 and report["new"] == ARTICLES, done.stderr[-3000:]
    raw = (output / "feeds" / "nankai.jsonl").read_bytes()
    assert "\u2028".encode() in raw and "\u0085".encode() in raw  # written raw, as JSON allows
    return output


def test_rebuild_state_keeps_a_record_holding_unicode_line_separators(http_site, separators_crawl):
    output = separators_crawl
    state = output / ".newsbot" / "state.sqlite"
    for path in (state, Path(f"{state}-wal"), Path(f"{state}-shm")):
        path.unlink(missing_ok=True)
    rebuilt = newsbot("rebuild-state", "--output", str(output))
    assert rebuilt.returncode == 0 and f"{ARTICLES} articles" in rebuilt.stdout, (rebuilt.stdout, rebuilt.stderr)
    feed = (output / "feeds" / "nankai.jsonl").read_bytes()
    http_site.reset_log()
    done, report = crawl("nankai", output, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert http_site.article_requests() == [] and report["new"] == 0
    assert (output / "feeds" / "nankai.jsonl").read_bytes() == feed  # nothing written twice


def test_merge_shards_keeps_a_record_holding_unicode_line_separators(separators_crawl):
    output = separators_crawl
    feeds = output / "feeds"
    lines = (feeds / "nankai.jsonl").read_bytes().split(b"\n")[:-1]
    (feeds / "nankai.jsonl").unlink()
    (feeds / "nankai.w1.jsonl").write_bytes(b"".join(line + b"\n" for line in lines[:20]))
    (feeds / "nankai.w2.jsonl").write_bytes(b"".join(line + b"\n" for line in lines[20:25]))
    merged = newsbot("merge-shards", "--output", str(output), "--spider", "nankai")
    assert merged.returncode == 0, merged.stderr
    assert (feeds / "nankai.jsonl").read_bytes() == b"".join(line + b"\n" for line in lines[:25])
    # A later merge, with the separators in the merged feed, works and adds the rest.
    with open(feeds / "nankai.w2.jsonl", "ab") as shard:
        shard.write(b"".join(line + b"\n" for line in lines[25:]))
    again = newsbot("merge-shards", "--output", str(output), "--spider", "nankai")
    assert again.returncode == 0, again.stderr
    assert (feeds / "nankai.jsonl").read_bytes() == b"".join(line + b"\n" for line in lines)


# --- section 4: adopt on odd directories ---------------------------------------------------
def seed_post(name: str = "000") -> bytes:
    return sorted(SEEDS.glob(f"{name}_*.txt"))[0].read_bytes()


def adopt(posts: Path, output: Path, timeout: int = 60):
    return newsbot("adopt", str(posts), "--output", str(output), timeout=timeout)


def adopted_count(done) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) posts adopted", done.stderr)
    assert found, done.stderr
    return int(found.group(1)), int(found.group(2))


@pytest.fixture
def blog(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_bytes(seed_post("000"))
    (posts / "b.md").write_bytes(seed_post("002"))
    return posts


@pytest.mark.parametrize("oddity", ["dangling symlink", "directory x.md", "fifo x.md"])
def test_adopt_skips_what_is_not_a_regular_file_with_a_count(blog, tmp_path, oddity):
    odd = blog / "x.md"
    if oddity == "dangling symlink":
        odd.symlink_to(tmp_path / "nosuch.md")
    elif oddity == "directory x.md":
        odd.mkdir()
    else:
        os.mkfifo(odd)
    (blog / "z.md").write_bytes(seed_post("001"))  # after the odd entry in name order
    done = adopt(blog, tmp_path / "out", timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert adopted_count(done) == (3, 3)
    assert re.search(r"skipped 1 (entry|entries) that (is|are) not a regular file", done.stderr), done.stderr


def test_adopt_does_not_follow_a_symlink_out_of_the_directory(blog, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "c.md").write_bytes(seed_post("001"))
    (blog / "c.md").symlink_to(outside / "c.md")
    (blog / "linked").symlink_to(outside, target_is_directory=True)
    done = adopt(blog, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert adopted_count(done) == (2, 2)
    assert "030051382" not in done.stdout  # seed 001's article, outside the blog, is not adopted
    assert re.search(r"skipped 2 (entry|entries) that (is|are) not a regular file", done.stderr), done.stderr


def test_adopt_reads_only_the_front_matter_and_the_source_line_of_a_huge_post(blog, tmp_path):
    text = seed_post("001")
    head, tail = text[: text.index(b"\n---\n", 4) + 200], text[text.index(b"\n---\n", 4) + 200:]
    huge = blog / "huge.md"
    with open(huge, "wb") as handle:  # 400 MB, sparse: no disk, but every byte readable
        handle.write(head)
        handle.seek(400 * 1024 * 1024)
        handle.write(tail)
    (blog / "b.md").unlink()
    measure = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)")
    done = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "newsbot.cli", "adopt", str(blog),
                           "--output", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    peak_kb, code = map(int, done.stdout.split()[-2:])
    assert code == 0, done.stderr
    assert adopted_count(done) == (2, 2)
    assert peak_kb < 150 * 1024, f"adopt peaked at {peak_kb // 1024} MB on a 400 MB post"


def test_adopt_accepts_a_post_with_a_utf8_bom(blog, tmp_path):
    (blog / "bom.md").write_bytes(b"\xef\xbb\xbf" + seed_post("001"))
    done = adopt(blog, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert adopted_count(done) == (3, 3), done.stdout


# --- section 4: robots.txt that cannot be read ----------------------------------------------
def test_robots_txt_answering_500_means_nothing_is_fetched_from_the_host_with_an_alarm(http_site, tmp_path):
    http_site.faults["/robots.txt"] = Fault(status=500)
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert set(http_site.paths()) == {"/robots.txt"}, http_site.paths()  # RFC 9309 2.3.1.4
    assert done.returncode == 4, done.stderr[-3000:]
    [alarm] = alarm_lines(done.stderr)
    assert "robots.txt" in alarm and "news.nankai.edu.cn" in alarm and "500" in alarm, alarm
    assert report["exit_code"] == 4 and report["new"] == 0


def test_robots_txt_timing_out_is_one_line_not_a_traceback(http_site, tmp_path):
    http_site.faults["/robots.txt"] = Fault(delay=3)
    done, report = crawl("nankai", tmp_path, "-s", "DOWNLOAD_TIMEOUT=1", site=http_site)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    robots = [line for line in done.stderr.splitlines() if "robots.txt" in line and " INFO: " not in line]
    assert len(robots) == 1 and re.search("time(d )?out", robots[0].lower()), robots
    # Unreachable means "complete disallow" too (RFC 9309 2.3.1.4): no page is fetched.
    assert set(http_site.paths()) == {"/robots.txt"}, http_site.paths()
    assert done.returncode == 5 and report["new"] == 0, done.stderr[-3000:]
