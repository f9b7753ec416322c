"""Run a module with durability switched off, for an A/B of what the flushes cost
(``run.py --fsync-ab``): ``os.fsync``/``os.fdatasync`` do nothing and SQLite connections get
``PRAGMA synchronous=OFF`` whatever the code asks. A measuring tool only: a crawl run this
way is not crash-safe.

    python bench/crawl/nofsync.py -m scrapy crawl nankai ...
"""

import os
import runpy
import sqlite3
import sys


class NoSyncConnection(sqlite3.Connection):
    def execute(self, sql, *args):
        if sql.replace(" ", "").lower().startswith("pragmasynchronous"):
            sql = "PRAGMA synchronous=OFF"
        return super().execute(sql, *args)


_connect = sqlite3.connect


def connect(*args, **kwargs):
    kwargs.setdefault("factory", NoSyncConnection)
    return _connect(*args, **kwargs)


def no_sync(fd):
    return None


if __name__ == "__main__":
    if sys.argv[1:2] != ["-m"] or len(sys.argv) < 3:
        sys.exit(__doc__)
    sqlite3.connect = connect
    os.fsync = os.fdatasync = no_sync
    sys.argv = [sys.argv[2], *sys.argv[3:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
