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
    """The state of ``--output`` (or ``--state``: a file, or a cluster's Redis URL), without
    the run lock: reading and re-queueing are safe beside a running crawl (SQLite serialises
    the writes; Redis's are scripts)."""
    from newsbot.errors import StateCorrupt
    from newsbot.storage.state import is_redis_url, open_state as open_store, state_path

    settings = project_settings(NEWSBOT_OUTPUT_DIR=args.output, **({"NEWSBOT_STATE": args.state} if args.state else {}))
    if not is_redis_url(args.state) and not state_path(settings).is_file():
        raise SystemExit(f"newsbot: no state at {state_path(settings)} (give --output DIR or --state FILE)")
    try:
        return open_store(settings, lock=False)
    except StateCorrupt as corrupt:
        raise SystemExit(f"newsbot: {corrupt}") from None
