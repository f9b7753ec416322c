"""What the ``newsbot`` commands share: the parser whose errors are one line, the project's
settings, the checkout's fixtures, the state an operator command reads, and the run lock
an operator command that changes the output or the state takes first."""

from __future__ import annotations

import argparse
import functools
from contextlib import contextmanager
from pathlib import Path

from scrapy.settings import Settings

from newsbot import settings as default_settings
from newsbot.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]  # the checkout (fixtures/ beside newsbot/)
FIXTURES = REPO / "fixtures"


class Parser(argparse.ArgumentParser):
    """argparse, whose usage errors are a ConfigError: one line through the boundary, exit 1."""

    def error(self, message):
        command = self.prog.removeprefix("newsbot").strip()
        raise ConfigError(f"{command}: {message}" if command else message)


def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def state_location(args) -> str | Path:
    """The state ``--state`` names (a file, or a cluster's Redis URL), or the one under
    ``--output``."""
    if getattr(args, "state", None):
        return args.state
    return Path(args.output or "output") / ".newsbot" / "state.sqlite"


def state_settings(args):
    """The project's settings with the command's ``--output`` and ``--state``."""
    return project_settings(NEWSBOT_OUTPUT_DIR=str(args.output or "output"),
                            **({"NEWSBOT_STATE": str(args.state)} if getattr(args, "state", None) else {}))


def open_state(args):
    """The existing state of ``--output`` (or ``--state``: a file, or a cluster's Redis
    URL), without the run lock: reading is safe beside a running crawl; an operator command
    that changes it runs under ``run_lock`` (``changes``)."""
    from newsbot.storage.state import is_redis_url, open_state as open_store

    location = state_location(args)
    if not is_redis_url(location) and not Path(location).is_file():
        raise ConfigError(f"no state at {location} (give --output DIR or --state FILE)")
    return open_store(state_settings(args), lock=False)


@contextmanager
def run_lock(output: Path | None, state=None):
    """Around what an operator command changes in ``output`` and in ``state`` (an SQLite
    file; a cluster's Redis state needs no file lock): the directories must be writable (a
    full disk or a read-only one is exit 6, said at once), and the command holds the run
    locks a crawl holds (another run holding one: exit 3). Either refusal comes before
    anything is changed."""
    from newsbot.storage.files import check_writable
    from newsbot.storage.locks import RunLock
    from newsbot.storage.state import is_redis_url

    state_file = None if state is None or is_redis_url(state) else Path(state)
    directories = [output, output / ".newsbot", output / "feeds"] if output is not None else []
    check_writable(directories + ([state_file.parent] if state_file is not None else []))
    with RunLock(state_file, output) as lock:
        yield lock


def changes(*what: str):
    """Decorator for an operator command that changes the output (``"output"``: args.output)
    or the state (``"state"``: args.state, or the one under args.output), or both: it runs
    under ``run_lock``. Every command that changes them (``takedown`` and any later one)
    takes it the same way."""

    def decorate(command):
        @functools.wraps(command)
        def locked(args):
            output = Path(args.output) if "output" in what else None
            state = state_location(args) if "state" in what else None
            with run_lock(output, state):
                return command(args)

        return locked

    return decorate
