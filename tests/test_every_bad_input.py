"""Every ``NEWSBOT_*`` setting and every option of every ``newsbot`` subcommand, given invalid
values of its type (issue 18 §3): exactly one line ``newsbot: …`` on stderr, the documented
exit code (1 usage or configuration, 6 a state that cannot be reached), no traceback, and
nothing created or changed anywhere (the whole test directory, the working directory
included, is compared before and after).

The cases are generated: the settings from newsbot/settings.py, the options by walking the
``newsbot`` command's argparse parser. Each setting and option has a kind; each kind has its
invalid values here. A setting or option added later without a kind fails
``test_every_setting_and_option_has_a_kind``, so none is left out unnoticed.
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
# Phase A: the kinds are stated here, from what each setting and option means today. (They
# move into newsbot, the one table its start-up check validates with, in phase B.)
SETTING_KINDS = {
    "NEWSBOT_ALARM_MAX_BROKEN_SHARE": "share",
    "NEWSBOT_ALARM_MIN_FAILED": "count",
    "NEWSBOT_CHINESE": "opencc",
    "NEWSBOT_CLUSTER": "cluster_url",
    "NEWSBOT_CLUSTER_FORGET_AFTER": "positive_seconds",
    "NEWSBOT_CLUSTER_HOST_INTERVAL": "seconds",
    "NEWSBOT_CLUSTER_LEASE": "positive_seconds",
    "NEWSBOT_CLUSTER_WORKER": "name",
    "NEWSBOT_COLUMNS": "columns",
    "NEWSBOT_CONTACT_URL": "contact_url",
    "NEWSBOT_FEED_ENTRIES": "count",
    "NEWSBOT_FILE_MODE": "file_mode",
    "NEWSBOT_FORMAT": "profiles",
    "NEWSBOT_GIVE_UP_AFTER": "count",
    "NEWSBOT_HOST_MAP": "host_map",
    "NEWSBOT_IMAGES": "images",
    "NEWSBOT_IMAGES_MAX_BYTES": "count",
    "NEWSBOT_OUTPUT_DIR": "output_dir",
    "NEWSBOT_PROFILE_OPTIONS": "profile_options",
    "NEWSBOT_REPLAY_DIR": "existing_dir",
    "NEWSBOT_RETRY_AFTER_MAX": "seconds",
    "NEWSBOT_RETRY_BACKOFF": "seconds",
    "NEWSBOT_RETRY_BACKOFF_HOURS": "hours",
    "NEWSBOT_SITES_FILE": "sites_file",
    "NEWSBOT_STATE": "state_setting",
    "NEWSBOT_WORKERS": "workers",
    "NEWSBOT_WRITE_BATCH": "count",
}

EXISTING_OUTPUT = {"failed", "rebuild-state", "feeds", "status", "merge-shards"}  # they read one
OPTION_KINDS = {
    # (command, dest): kind
    ("demo", "output"): "output_dir", ("demo", "log_level"): "log_level",
    ("extract", "page"): "existing_file", ("extract", "url"): "http_url", ("extract", "format"): "choice",
    ("extract", "encoding"): "encoding", ("extract", "content_type"): "content_type",
    ("extract", "sites_file"): "sites_file",
    ("fixtures", "fixtures"): "existing_dir",
    ("sites", "sites_file"): "sites_file",
    ("record", "url"): "http_url", ("record", "fixtures"): "output_dir", ("record", "host_map"): "host_map",
    ("failed", "output"): "existing_output", ("failed", "state"): "existing_state", ("failed", "site"): "site_name",
    ("failed", "requeue"): "http_url",
    ("adopt", "paths"): "existing_path", ("adopt", "output"): "output_dir", ("adopt", "state"): "state",
    ("rebuild-state", "output"): "existing_output", ("rebuild-state", "state"): "state_file",
    ("feeds", "output"): "existing_output", ("feeds", "spider"): "spider_name", ("feeds", "entries"): "count",
    ("feeds", "sites_file"): "sites_file",
    ("add", "url"): "http_url", ("add", "page"): "existing_file", ("add", "fixtures"): "existing_dir",
    ("add", "articles"): "count_or_zero", ("add", "name"): "name", ("add", "display_name"): "text",
    ("add", "column_name"): "text", ("add", "append"): "new_file", ("add", "sites_file"): "sites_file",
    ("status", "output"): "existing_output", ("status", "spider"): "spider_name", ("status", "worker"): "name",
    ("merge-shards", "output"): "existing_output", ("merge-shards", "spider"): "spider_name",
}

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
    "workers": ["abc", "-1", "inf", "1.5"],
    "opencc": ["klingon"],
    "cluster_url": ["http://127.0.0.1:1/0", "abc", (DEAD_REDIS, 6)],
    "state_setting": [DEAD_REDIS, "{tmp}", "{file}/state.sqlite"],  # redis:// without a cluster
    # A state to read (it must exist), to write (it may be new), a file only (not on Redis).
    "existing_state": [(DEAD_REDIS, 6), "{tmp}", "{file}/state.sqlite", "{tmp}/nosuch.sqlite"],
    "state": [(DEAD_REDIS, 6), "{tmp}", "{file}/state.sqlite"],
    "state_file": [DEAD_REDIS, "{tmp}", "{file}/state.sqlite"],
    "name": ["../x", "a/b", ".."],
    "spider_name": ["../x", "nosuch", ""],
    "site_name": ["../x", "nosuch", ""],
    "columns": ["nosuch"],
    "http_url": ["ftp://news.nankai.edu.cn/x", "abc", ""],
    "contact_url": ["ftp://example.org/", "abc"],  # (empty: not set, the project's home)
    "file_mode": ["abc", "0755", "-1", "99999"],
    "profiles": ["markdown"],
    "host_map": ["abc", "[1]", '{"news.nankai.edu.cn": "ftp://x"}', '{"news.nankai.edu.cn": 5}'],
    "images": ["abc", ""],
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

# Phase A: the cases that are not clean on today's main (issue 18's "31 not clean"), each
# with how it fails; strict xfail, so a case that starts to pass must lose its mark.
XFAIL_ON_MAIN: dict[str, str] = {
    'NEWSBOT_CLUSTER=http://127.0.0.1:1/0': 'main: exit 1; traceback ValueError; 43 stderr lines',
    'NEWSBOT_CLUSTER=abc': 'main: exit 1; traceback ValueError; 43 stderr lines',
    'NEWSBOT_CLUSTER=redis://127.0.0.1:{dead_port}/0': 'main: exit 1; traceback ConnectionError; 75 stderr lines',
    'NEWSBOT_CLUSTER_FORGET_AFTER=0': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_FORGET_AFTER=-1': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_FORGET_AFTER=inf': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_FORGET_AFTER=nan': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_FORGET_AFTER=abc': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_FORGET_AFTER=': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_HOST_INTERVAL=-1': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_HOST_INTERVAL=inf': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_HOST_INTERVAL=nan': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_HOST_INTERVAL=abc': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_HOST_INTERVAL=': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_LEASE=0': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_LEASE=-1': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_LEASE=inf': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_LEASE=nan': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_LEASE=abc': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_LEASE=': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_WORKER=../x': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_WORKER=a/b': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_CLUSTER_WORKER=..': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_FEED_ENTRIES=0': 'main: exit 0; traceback ValueError; 129 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_FEED_ENTRIES=-1': 'main: exit 0; traceback ValueError; 129 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_FEED_ENTRIES=1.5': 'main: exit 0; traceback ValueError; 133 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_FEED_ENTRIES=inf': 'main: exit 0; traceback ValueError; 133 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_FEED_ENTRIES=abc': 'main: exit 0; traceback ValueError; 133 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_FEED_ENTRIES=': 'main: exit 0; traceback ValueError; 133 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_OUTPUT_DIR={file}/out': 'main: exit 1; traceback NotADirectoryError; 36 stderr lines',
    'NEWSBOT_PROFILE_OPTIONS={"blog": 5}': 'main: exit 4; traceback a log line; 847 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_RETRY_AFTER_MAX=inf': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_RETRY_AFTER_MAX=nan': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_RETRY_BACKOFF=inf': 'main: hangs (no end in 40 s)',
    'NEWSBOT_RETRY_BACKOFF=nan': 'main: exit 0; 120 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_RETRY_BACKOFF_HOURS=nan': 'main: exit 4; traceback a log line; 159 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_RETRY_BACKOFF_HOURS=inf': 'main: exit 0; traceback OverflowError; 135 stderr lines; changes out, out/.newsbot, out/.newsbot/run.lock…',
    'NEWSBOT_STATE=redis://127.0.0.1:{dead_port}/0': 'main: exit 1; traceback ConnectionError; 75 stderr lines',
    'NEWSBOT_STATE={file}/state.sqlite': 'main: exit 1; traceback FileExistsError; 36 stderr lines',
    'demo --output={file}/out': 'main: exit 1; traceback NotADirectoryError; 79 stderr lines',
    'demo --output=': 'main: exit 0; 0 stderr lines; changes cwd/.newsbot, cwd/.newsbot/run.lock, cwd/.newsbot/state.sqlite…',
    'demo --log-level=FOO': 'main: exit 1; traceback ValueError; 32 stderr lines',
    'demo --log-level=': 'main: exit 1; traceback ValueError; 32 stderr lines',
    'extract page={tmp}/nosuch.html': "main: exit 1; 'newsbot extract: {tmp}/nosuch'",
    'extract page={tmp}': "main: exit 1; 'newsbot extract: {tmp} is a d'",
    'extract page={file}/x.html': "main: exit 1; 'newsbot extract: {tmp}/afile/'",
    'extract --url=ftp://news.nankai.edu.cn/x': 'main: exit 1; "newsbot extract: not an http(s) URL: \'ft"',
    'extract --url=abc': 'main: exit 1; "newsbot extract: not an http(s) URL: \'ab"',
    'extract --url=': 'main: exit 1; "newsbot extract: not an http(s) URL: \'\'"',
    'extract --format=abc': 'main: exit 2; 5 stderr lines',
    'extract --encoding=klingon': 'main: exit 1; traceback LookupError; 22 stderr lines',
    'extract --encoding=': 'main: exit 0; 0 stderr lines',
    'extract --content-type=text/html; charset=klingon': 'main: exit 0; 0 stderr lines',
    'extract --sites-file={tmp}/nosuch.yaml': 'main: exit 1; traceback FileNotFoundError; 21 stderr lines',
    'extract --sites-file={bad_yaml}': 'main: exit 1; traceback ParserError; 54 stderr lines',
    'extract --sites-file={tmp}': 'main: exit 1; traceback IsADirectoryError; 21 stderr lines',
    'fixtures --fixtures={tmp}/nosuch': "main: exit 1; 'newsbot fixtures: {tmp}/nosuc'",
    'fixtures --fixtures={file}': "main: exit 1; 'newsbot fixtures: {tmp}/afile'",
    'sites --sites-file={tmp}/nosuch.yaml': 'main: exit 1; traceback FileNotFoundError; 21 stderr lines',
    'sites --sites-file={bad_yaml}': 'main: exit 1; traceback ParserError; 54 stderr lines',
    'sites --sites-file={tmp}': 'main: exit 1; traceback IsADirectoryError; 21 stderr lines',
    'record url=ftp://news.nankai.edu.cn/x': "main: exit 1; 'newsbot record: ftp://news.nankai.edu.cn'",
    'record url=abc': "main: exit 1; 'newsbot record: abc: not an http(s) URL'",
    'record url=': "main: exit 1; 'newsbot record: : not an http(s) URL'",
    'record --fixtures={file}/out': 'main: exit 1; traceback NotADirectoryError; 17 stderr lines',
    'record --fixtures=': 'main: exit 0; 0 stderr lines; changes cwd/news.nankai.edu.cn, cwd/news.nankai.edu.cn/ywsd, cwd/news.nankai.edu.cn/ywsd/index.shtml',
    'record --host-map=abc': "main: exit 1; 'newsbot record: -s NEWSBOT_HOST_MAP: not'",
    'record --host-map=[1]': "main: exit 1; 'newsbot record: -s NEWSBOT_HOST_MAP: giv'",
    'record --host-map={"news.nankai.edu.cn": "ftp://x"}': 'main: exit 1; "newsbot record: -s NEWSBOT_HOST_MAP: \'ne"',
    'record --host-map={"news.nankai.edu.cn": 5}': 'main: exit 1; "newsbot record: -s NEWSBOT_HOST_MAP: \'ne"',
    'failed --state=redis://127.0.0.1:{dead_port}/0': 'main: exit 1; traceback ConnectionError; 59 stderr lines',
    'failed --site=../x': "main: exit 0; '0 failed article(s), 0 given up'",
    'failed --site=nosuch': "main: exit 0; '0 failed article(s), 0 given up'",
    'failed --site=': "main: exit 0; '0 failed article(s), 0 given up'",
    'failed --requeue=ftp://news.nankai.edu.cn/x': 'main: exit 1; 0 stderr lines',
    'failed --requeue=abc': 'main: exit 1; 0 stderr lines',
    'failed --requeue=': 'main: exit 1; 0 stderr lines',
    'adopt paths={tmp}/nosuch': 'main: exit 1; traceback FileNotFoundError; 25 stderr lines; changes out/.newsbot/run.lock, out/.newsbot/state.sqlite.lock',
    'adopt paths={file}/x': 'main: exit 1; traceback NotADirectoryError; 25 stderr lines; changes out/.newsbot/run.lock, out/.newsbot/state.sqlite.lock',
    'adopt --output={file}/out': 'main: exit 1; traceback NotADirectoryError; 20 stderr lines',
    'adopt --output=': "main: exit 0; '1 of 1 posts adopted'; changes cwd/.newsbot, cwd/.newsbot/run.lock, cwd/.newsbot/state.sqlite…",
    'adopt --state=redis://127.0.0.1:{dead_port}/0': "main: exit 0; '1 of 1 posts adopted'; changes cwd/redis:, cwd/redis:/127.0.0.1:{port}, cwd/redis:/127.0.0.1:{port}/0…",
    'adopt --state={tmp}': 'main: exit 1; traceback ; 15 stderr lines; changes out/.newsbot/run.lock',
    'adopt --state={file}/state.sqlite': 'main: exit 1; traceback FileExistsError; 20 stderr lines',
    'rebuild-state --output={tmp}/nosuch': 'main: exit 0; 0 stderr lines; changes nosuch, nosuch/.newsbot, nosuch/.newsbot/run.lock…',
    'rebuild-state --output={file}/out': 'main: exit 1; traceback NotADirectoryError; 20 stderr lines',
    'rebuild-state --output=': 'main: exit 0; 0 stderr lines; changes cwd/.newsbot, cwd/.newsbot/run.lock, cwd/.newsbot/state.sqlite…',
    'rebuild-state --state=redis://127.0.0.1:{dead_port}/0': 'main: exit 0; 0 stderr lines; changes cwd/redis:, cwd/redis:/127.0.0.1:{port}, cwd/redis:/127.0.0.1:{port}/0…',
    'rebuild-state --state={tmp}': 'main: exit 1; traceback ; 16 stderr lines; changes afile, bad.yaml, cwd…',
    'rebuild-state --state={file}/state.sqlite': 'main: exit 1; traceback FileExistsError; 20 stderr lines',
    'feeds --output={tmp}/nosuch': "main: exit 2; 'newsbot feeds: {tmp}/nosuch/f'",
    'feeds --output={file}/out': "main: exit 2; 'newsbot feeds: {tmp}/afile/ou'",
    'feeds --output=': "main: exit 2; 'newsbot feeds: feeds does not exist (no '",
    'feeds --spider=../x': 'main: exit 1; 2 stderr lines; changes out/.newsbot/state.sqlite-shm, out/.newsbot/state.sqlite-wal, out/index.html',
    'feeds --spider=nosuch': 'main: exit 1; 2 stderr lines; changes out/.newsbot/state.sqlite-shm, out/.newsbot/state.sqlite-wal, out/index.html',
    'feeds --spider=': 'main: exit 0; 0 stderr lines; changes out/.newsbot/state.sqlite-shm, out/.newsbot/state.sqlite-wal, out/index.html',
    'feeds --entries=0': "main: exit 2; 'newsbot feeds: --entries must be at leas'",
    'feeds --entries=-1': "main: exit 2; 'newsbot feeds: --entries must be at leas'",
    'feeds --entries=1.5': 'main: exit 2; 3 stderr lines',
    'feeds --entries=inf': 'main: exit 2; 3 stderr lines',
    'feeds --entries=abc': 'main: exit 2; 3 stderr lines',
    'feeds --entries=': 'main: exit 2; 3 stderr lines',
    'feeds --sites-file={tmp}/nosuch.yaml': 'main: exit 1; traceback FileNotFoundError; 21 stderr lines',
    'feeds --sites-file={bad_yaml}': 'main: exit 1; traceback ParserError; 54 stderr lines',
    'feeds --sites-file={tmp}': 'main: exit 1; traceback IsADirectoryError; 21 stderr lines',
    'add url=ftp://news.nankai.edu.cn/x': 'main: exit 0; 0 stderr lines',
    'add url=abc': "main: exit 1; 'newsbot add: no article links of a known'",
    'add url=': "main: exit 1; 'newsbot add: no article links of a known'",
    'add --page={tmp}/nosuch.html': "main: exit 1; 'newsbot add: [Errno 2] No such file or d'",
    'add --page={tmp}': "main: exit 1; 'newsbot add: [Errno 21] Is a directory: '",
    'add --page={file}/x.html': "main: exit 1; 'newsbot add: [Errno 20] Not a directory:'",
    'add --fixtures={tmp}/nosuch': 'main: exit 0; 0 stderr lines',
    'add --fixtures={file}': 'main: exit 0; 0 stderr lines',
    'add --articles=-1': 'main: exit 0; 0 stderr lines',
    'add --articles=1.5': 'main: exit 2; 6 stderr lines',
    'add --articles=inf': 'main: exit 2; 6 stderr lines',
    'add --articles=abc': 'main: exit 2; 6 stderr lines',
    'add --articles=': 'main: exit 2; 6 stderr lines',
    'add --name=../x': 'main: exit 0; 0 stderr lines',
    'add --name=a/b': 'main: exit 0; 0 stderr lines',
    'add --name=..': 'main: exit 0; 0 stderr lines',
    'add --display-name=': 'main: exit 0; 0 stderr lines',
    'add --column-name=': 'main: exit 0; 0 stderr lines',
    'add --append={file}/x.yaml': "main: exit 1; 'newsbot add: not appended: news.nankai.e'",
    'add --append={tmp}': "main: exit 1; 'newsbot add: not appended: news.nankai.e'",
    'add --sites-file={tmp}/nosuch.yaml': 'main: exit 1; traceback FileNotFoundError; 21 stderr lines',
    'add --sites-file={bad_yaml}': 'main: exit 1; traceback ParserError; 54 stderr lines',
    'add --sites-file={tmp}': 'main: exit 1; traceback IsADirectoryError; 21 stderr lines',
    'status --output={tmp}/nosuch': "main: exit 1; 'nankai: no run report at {tmp}'",
    'status --output={file}/out': "main: exit 1; 'nankai: unreadable run report {tmp}'",
    'status --output=': "main: exit 1; 'nankai: no run report at reports/nankai-'",
    'status --spider=../x': "main: exit 1; '../x: no run report at {tmp}/'",
    'status --spider=nosuch': "main: exit 1; 'nosuch: no run report at {tmp}'",
    'status --spider=': "main: exit 1; ': no run report at {tmp}/out/'",
    'status --worker=../x': "main: exit 1; 'nankai.../x: no run report at {tmp}'",
    'status --worker=a/b': "main: exit 1; 'nankai.a/b: no run report at {tmp}'",
    'status --worker=..': "main: exit 1; 'nankai...: no run report at {tmp}'",
    'merge-shards --output={tmp}/nosuch': 'main: exit 0; 0 stderr lines; changes nosuch, nosuch/feeds, nosuch/feeds/nankai.jsonl',
    'merge-shards --output={file}/out': 'main: exit 1; traceback NotADirectoryError; 21 stderr lines',
    'merge-shards --output=': 'main: exit 0; 0 stderr lines; changes cwd/feeds, cwd/feeds/nankai.jsonl',
    'merge-shards --spider=../x': 'main: exit 0; 0 stderr lines; changes out/x.jsonl',
    'merge-shards --spider=nosuch': 'main: exit 0; 0 stderr lines; changes out/feeds/nosuch.jsonl',
    'merge-shards --spider=': 'main: exit 0; 0 stderr lines; changes out/feeds/.jsonl',
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
        if name not in SETTING_KINDS:
            continue  # test_every_setting_and_option_has_a_kind fails
        for value, code in values_of(SETTING_KINDS[name]):
            yield pytest.param(name, value, code, id=f"{name}={value}",
                               marks=_xfail(f"{name}={value}"))


def option_cases():
    for command, parser in subcommands().items():
        for action in options(parser):
            kind = OPTION_KINDS.get((command, action.dest))
            if kind is None:
                continue
            for value, code in values_of(kind):
                case = f"{command} {option_string(action) or action.dest}={value}"
                yield pytest.param(command, action.dest, value, code, id=case, marks=_xfail(case))


def _xfail(case: str):
    return [pytest.mark.xfail(strict=True, reason=XFAIL_ON_MAIN[case])] if case in XFAIL_ON_MAIN else []


def test_every_setting_and_option_has_a_kind():
    from newsbot.crawl.config import KNOWN_SETTINGS

    assert sorted(set(KNOWN_SETTINGS) - set(SETTING_KINDS)) == []
    missing = [(command, action.dest) for command, parser in subcommands().items()
               for action in options(parser) if (command, action.dest) not in OPTION_KINDS]
    assert missing == []
    assert sorted(set(BASE) ^ set(subcommands())) == []  # a valid invocation of every command
    assert sorted({*SETTING_KINDS.values(), *OPTION_KINDS.values()} - set(BAD)) == []


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
    "merge-shards": ["merge-shards", "--output", "{output}"],
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
             "host_map": json.dumps({"news.nankai.edu.cn": http_site.base}), "tmp": tmp_path}
    argv = [word.format(**names) for word in BASE[command]]
    argv = with_value(argv, subcommands()[command], dest, place(value))
    before = snapshot(tmp_path)
    try:
        done = subprocess.run([sys.executable, "-m", "newsbot.cli", *argv], cwd=tmp_path / "cwd",
                              env=environment(), capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"newsbot {' '.join(argv)}: did not end within 60 s")
    assert_refused(done, code, before, snapshot(tmp_path))
