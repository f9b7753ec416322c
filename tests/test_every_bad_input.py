"""Every ``NEWSBOT_*`` setting and every option of every ``newsbot`` subcommand, given invalid
values of its type (issue 18 §3): exactly one line ``newsbot: …`` on stderr, the documented
exit code (1 usage or configuration, 6 a state that cannot be reached), no traceback, and
nothing created or changed anywhere (the whole test directory, the working directory
included, is compared before and after).

The cases are generated: the settings from newsbot/settings.py, the options by walking the
``newsbot`` command's argparse parser. Each setting's kind comes from the table newsbot's
start-up check validates with (``newsbot.crawl.config.SETTINGS``), each option's from the
``Kind`` argparse parses it with (``newsbot.crawl.values``); each kind has its invalid
values here. A setting or option added later without a kind, or with a kind that has no
invalid values here, fails ``test_every_setting_and_option_has_a_kind``: none is left out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT, SEEDS, crawl_command
from .httpsite import Fault

# --- the kinds ------------------------------------------------------------------------------
def setting_kind(name: str) -> str | None:
    """The kind of a setting, from the one table newsbot's start-up check validates with."""
    from newsbot.crawl.config import SETTINGS

    kind = SETTINGS.get(name)
    return kind.name if kind is not None else None


def option_kind(action) -> str | None:
    """The kind of an option: the ``Kind`` argparse parses it with (newsbot.crawl.values),
    or ``choice`` for a fixed list."""
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return "choice"
    return getattr(action.type, "name", None)


# Invalid values of each kind: (value, exit code), or a value for exit 1. In values,
# {tmp} is the test's directory, {file} a regular file, {bad_yaml} a file that is not
# YAML, {dead_redis} a Redis URL where nothing listens.
DEAD_REDIS = "redis://127.0.0.1:{dead_port}/0"
BAD = {
    "share": ["nan", "inf", "-0.1", "1.5", "abc", ""],
    "count": ["0", "-1", "1.5", "inf", "abc", ""],
    "count_or_zero": ["-1", "1.5", "inf", "abc", ""],
    "seconds": ["-1", "inf", "nan", "abc", ""],
    "positive_seconds": ["0", "-1", "inf", "nan", "abc", ""],
    "hours": ["nan", "inf", "-1", "abc", "", "1,,4"],
    "days": ["-1", "inf", "nan", "abc", ""],
    "interval_hours": ["-1", "inf", "nan", "abc", ""],
    "workers": ["abc", "-1", "inf", "1.5"],
    "opencc": ["klingon"],
    "cluster_url": ["http://127.0.0.1:1/0", "abc", (DEAD_REDIS, 6)],
    "state_setting": [DEAD_REDIS, "{tmp}", "{file}/state.sqlite"],  # redis:// without a cluster
    # A state to read (it must exist), to write (it may be new), a file only (not on Redis).
    "existing_state": [(DEAD_REDIS, 6), "{tmp}", "{file}/state.sqlite", "{tmp}/nosuch.sqlite"],
    "state": [(DEAD_REDIS, 6), "{tmp}", "{file}/state.sqlite"],
    "state_file": [DEAD_REDIS, "{tmp}", "{file}/state.sqlite"],
    "name": ["../x", "a/b", ".."],
    "user_name": ["../x", "a b", ""],
    "password_file": ["{tmp}/nosuch", "{tmp}"],
    "spider_name": ["../x", "nosuch", ""],
    "site_name": ["../x", "nosuch", ""],
    "columns": ["nosuch"],
    "http_url": ["ftp://news.nankai.edu.cn/x", "abc", ""],
    "contact_url": ["ftp://example.org/", "abc", "mailto:nobody"],  # (empty: not set)
    "optional_http_url": ["ftp://example.org/", "abc"],
    "optional_text": ["two\nlines", " "],
    "switch": ["maybe", "2", ""],
    "posts_dirs": ["{tmp}/nosuch", "{file}", '{"wordpress": "{tmp}"}', "{}"],
    "crawl_arguments": ["nosuch", ""],  # the spider's place: the rest is the crawl command's to check
    "file_mode": ["abc", "0755", "-1", "99999"],
    "profiles": ["markdown"],
    "host_map": ["abc", "[1]", '{"news.nankai.edu.cn": "ftp://x"}', '{"news.nankai.edu.cn": 5}'],
    "images": ["abc", ""],
    "attachments": ["abc", ""],
    "profile_options": ['{"blog": 5}', "[1]", "abc"],
    "output_dir": ["{file}/out", ""],
    "existing_output": ["{tmp}/nosuch", "{file}/out", ""],
    "existing_dir": ["{tmp}/nosuch", "{file}"],
    "existing_file": ["{tmp}/nosuch.html", "{tmp}", "{file}/x.html"],
    "existing_path": ["{tmp}/nosuch", "{file}/x"],
    "new_file": ["{file}/x.yaml", "{tmp}"],
    "sites_file": ["{tmp}/nosuch.yaml", "{bad_yaml}", "{tmp}"],
    "log_level": ["FOO", ""],
    "encoding": ["klingon", ""],
    "content_type": ["text/html; charset=klingon"],
    "choice": ["abc"],
    "text": [""],
}

# --- the cases ------------------------------------------------------------------------------
def newsbot_parser() -> argparse.ArgumentParser:
    """The ``newsbot`` command's parser, as ``newsbot.cli.main`` builds it."""
    from newsbot import cli

    return cli.parser()


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = newsbot_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def options(command_parser) -> list[argparse.Action]:
    """The options that take a value (flags and --help have none to get wrong)."""
    return [a for a in command_parser._actions if a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


def option_string(action) -> str | None:
    return max(action.option_strings, key=len) if action.option_strings else None


def values_of(kind: str) -> list[tuple[str, int]]:
    return [value if isinstance(value, tuple) else (value, 1) for value in BAD[kind]]


def setting_cases():
    from newsbot.crawl.config import KNOWN_SETTINGS

    for name in KNOWN_SETTINGS:
        if setting_kind(name) not in BAD:
            continue  # test_every_setting_and_option_has_a_kind fails
        for value, code in values_of(setting_kind(name)):
            yield pytest.param(name, value, code, id=f"{name}={value}")


def option_cases():
    for command, parser in subcommands().items():
        for action in options(parser):
            kind = option_kind(action)
            if kind not in BAD:
                continue  # test_every_setting_and_option_has_a_kind fails
            for value, code in values_of(kind):
                case = f"{command} {option_string(action) or action.dest}={value}"
                yield pytest.param(command, action.dest, value, code, id=case)


def test_every_setting_and_option_has_a_kind():
    from newsbot.crawl.config import KNOWN_SETTINGS

    assert [name for name in KNOWN_SETTINGS if setting_kind(name) not in BAD] == []
    assert [(command, action.dest, option_kind(action)) for command, parser in subcommands().items()
            for action in options(parser) if option_kind(action) not in BAD] == []
    assert sorted(set(BASE) ^ set(subcommands())) == []  # a valid invocation of every command


# --- running them ---------------------------------------------------------------------------
def snapshot(root: Path) -> dict:
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.exists():
            found[relative] = ("link", os.readlink(path))
        elif path.is_dir():
            found[relative] = ("dir", path.stat().st_mode)
        else:
            found[relative] = ("file", path.stat().st_mode, path.read_bytes())
    return found


def dead_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def place(tmp_path):
    """The test's directory: a working directory (the commands run there), a regular file,
    a file that is not YAML. Returns a function that fills a value's placeholders."""
    (tmp_path / "cwd").mkdir()
    (tmp_path / "afile").write_text("a regular file\n")
    (tmp_path / "bad.yaml").write_text("sites: [unclosed\n  - {\n")
    port = dead_port()

    def fill(value: str) -> str:
        for name, path in (("{tmp}", tmp_path), ("{file}", tmp_path / "afile"),
                           ("{bad_yaml}", tmp_path / "bad.yaml"), ("{dead_port}", port)):
            value = value.replace(name, str(path))
        return value

    return fill


def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["SCRAPY_SETTINGS_MODULE"] = "newsbot.settings"  # scrapy crawl from any directory
    return env


def assert_refused(done, code: int, before: dict, after: dict) -> None:
    assert done.returncode == code, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: "), done.stderr[-3000:]
    changed = sorted(set(after) ^ set(before)) + sorted(k for k in set(after) & set(before) if after[k] != before[k])
    assert changed == [], changed


@pytest.mark.slow
@pytest.mark.parametrize("name, value, code", list(setting_cases()))
def test_a_bad_setting_stops_the_crawl_in_one_line(http_site, tmp_path, place, name, value, code):
    # An article answering 503 gives the retry and backoff settings their work to do.
    http_site.faults["/ywsd/system/2023/05/18/030056201.shtml"] = Fault(status=503)
    command = crawl_command("nankai", tmp_path / "out", site=http_site) + ["-s", f"{name}={place(value)}"]
    before = snapshot(tmp_path)
    try:
        done = subprocess.run(command, cwd=tmp_path / "cwd", env=environment(), capture_output=True, text=True,
                              timeout=40)
    except subprocess.TimeoutExpired:
        pytest.fail(f"-s {name}={value}: the crawl did not end within 40 s")
    assert_refused(done, code, before, snapshot(tmp_path))
    assert http_site.paths() == []  # refused before any request


# A valid invocation of every command; each case replaces one option's value.
BASE = {
    "crawl": ["crawl", "nankai", "-s", "NEWSBOT_OUTPUT_DIR={tmp}/out", "-s",
              f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}"],
    "demo": ["demo", "--output", "{tmp}/demo"],
    "extract": ["extract", "{page}", "--url", "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"],
    "fixtures": ["fixtures"],
    "sites": ["sites"],
    "record": ["record", "https://news.nankai.edu.cn/ywsd/index.shtml", "--fixtures", "{tmp}/recorded",
               "--host-map", "{host_map}"],
    "failed": ["failed", "--output", "{output}"],
    "adopt": ["adopt", "{posts}", "--output", "{output}"],
    "rebuild-state": ["rebuild-state", "--output", "{output}"],
    "feeds": ["feeds", "--output", "{output}"],
    "add": ["add", "https://news.nankai.edu.cn/ywsd/index.shtml", "--page", "{list_page}"],
    "status": ["status", "--output", "{output}"],
    "cluster-acl": ["cluster-acl", "--password-file", "{password_file}"],
    "merge-shards": ["merge-shards", "--output", "{output}"],
    "takedown": ["takedown", "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml", "--output", "{output}"],
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A finished crawl's output (replayed), copied into each case's directory."""
    output = tmp_path_factory.mktemp("crawled") / "out"
    done = subprocess.run(crawl_command("nankai", output, replay=FIXTURES / "nankai"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return output


def with_value(argv: list[str], parser, dest: str, value: str) -> list[str]:
    """``argv`` with the option ``dest`` given ``value`` (replaced, or added)."""
    action = next(a for a in options(parser) if a.dest == dest)
    flag = option_string(action)
    if flag is None:  # a positional: the first word that is not an option or its value
        index = next(i for i in range(1, len(argv)) if not argv[i].startswith("-")
                     and not argv[i - 1].startswith("--"))
        return [*argv[:index], value, *argv[index + 1:]]
    if flag in argv:
        index = argv.index(flag)
        return [*argv[:index + 1], value, *argv[index + 2:]]
    return [*argv, flag, value]


@pytest.mark.slow
@pytest.mark.parametrize("command, dest, value, code", list(option_cases()))
def test_a_bad_option_of_a_newsbot_command_is_one_line(http_site, crawled, tmp_path, place, command, dest,
                                                       value, code):
    output = tmp_path / "out"
    shutil.copytree(crawled, output)
    posts = tmp_path / "posts"
    posts.mkdir()
    seed = sorted(SEEDS.glob("000_*.txt"))[0]
    (posts / "a.md").write_bytes(seed.read_bytes())
    page = FIXTURES / "nankai" / "news.nankai.edu.cn" / "ywsd" / "system" / "2023" / "05" / "18" / "030056201.shtml"
    names = {"output": output, "posts": posts, "page": page,
             "list_page": FIXTURES / "nankai" / "news.nankai.edu.cn" / "ywsd" / "index.shtml",
             "host_map": json.dumps({"news.nankai.edu.cn": http_site.base}), "tmp": tmp_path,
             "password_file": tmp_path / "afile"}
    argv = [word.format(**names) for word in BASE[command]]
    argv = with_value(argv, subcommands()[command], dest, place(value))
    before = snapshot(tmp_path)
    try:
        done = subprocess.run([sys.executable, "-m", "newsbot.cli", *argv], cwd=tmp_path / "cwd",
                              env=environment(), capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"newsbot {' '.join(argv)}: did not end within 60 s")
    assert_refused(done, code, before, snapshot(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("argv", [[], ["nankai", "bistu"], ["nankai", "-s", "NOVALUE"], ["nankai", "-a", "x"]],
                         ids=["no spider", "two spiders", "-s without =", "-a without ="])
def test_a_bad_crawl_command_line_is_one_line_and_exit_1(tmp_path, place, argv):
    before = snapshot(tmp_path)
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", *argv], cwd=tmp_path / "cwd",
                          env=environment(), capture_output=True, text=True, timeout=60)
    assert_refused(done, 1, before, snapshot(tmp_path))


def test_an_unexpected_error_is_one_line_naming_the_file_that_holds_its_traceback(monkeypatch, capsys):
    # A bug (here: a command that raises what no one expected) still ends in the boundary.
    from newsbot import cli
    from newsbot.cli import pages

    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr(pages, "cmd_sites", broken)
    assert cli.main(["sites"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("newsbot: unexpected error, a bug: KeyError: 'a bug' (traceback in ")
    path = Path(line.rsplit("(traceback in ", 1)[1].rstrip(")"))
    try:
        assert "raise KeyError(\"a bug\")" in path.read_text(encoding="utf-8")
    finally:
        path.unlink()


@pytest.mark.slow
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly():
    # newsbot sites | head -1: the reader is gone before the listing is written.
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run([sys.executable, "-m", "newsbot.cli", "sites"], cwd=ROOT, env=environment(),
                              stdout=writing, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(writing)
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""
