"""What the ``newsbot`` commands share: the project's settings, the checkout's fixtures,
one-line failures, the state an operator command opens."""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.settings import Settings

from newsbot import settings as default_settings

REPO = Path(__file__).resolve().parents[2]  # the checkout (fixtures/ beside newsbot/)
FIXTURES = REPO / "fixtures"


def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def fail(command: str, message: str) -> int:
    print(f"newsbot {command}: {message}", file=sys.stderr)
    return 1


def open_state(args):
    """The state of ``--output`` (or ``--state``), without the run lock: reading and
    re-queueing are safe beside a running crawl (SQLite serialises the writes)."""
    from newsbot.errors import StateCorrupt
    from newsbot.storage.state.sqlite import SqliteStateStore

    if args.state and args.state.startswith(("redis://", "rediss://")):  # a cluster's (README, "Running on several machines")
        from newsbot.storage.state.connection import password_file_of
        from newsbot.storage.state.redis import RedisStateStore

        return RedisStateStore(args.state, lock=False, password_file=password_file_of())
    path = Path(args.state) if args.state else Path(args.output) / ".newsbot" / "state.sqlite"
    if not path.is_file():
        raise SystemExit(f"newsbot: no state at {path} (give --output DIR or --state FILE)")
    try:
        return SqliteStateStore(path, lock=False)
    except StateCorrupt as corrupt:
        raise SystemExit(f"newsbot: {corrupt}") from None
