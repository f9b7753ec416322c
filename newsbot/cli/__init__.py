"""The ``newsbot`` command: one module per group of subcommands.

- ``crawl.py``    ``crawl``: ``scrapy crawl`` from any directory (an installed wheel has no scrapy.cfg)
- ``demo.py``     ``demo``: the offline crawl of the bundled fixtures
- ``pages.py``    ``extract``, ``fixtures``, ``sites``, ``record``
- ``add.py``      ``add``: a campus.yaml entry from one list page (``onboard.py`` reads it)
- ``state.py``    ``failed``, ``adopt``, ``rebuild-state``
- ``publish.py``  ``feeds``
- ``cluster.py``  ``status``, ``merge-shards``, ``cluster-acl``
- ``takedown.py`` ``takedown``: articles removed for good
"""

from __future__ import annotations

import sys

from newsbot.cli import add, cluster, crawl, demo, pages, publish, state, takedown
from newsbot.cli.common import Parser
from newsbot.errors import boundary

GROUPS = (crawl, demo, pages, state, publish, add, cluster, takedown)


def parser() -> Parser:
    top = Parser(prog="newsbot", description="Faithful, clean copies of campus news.")
    sub = top.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
    return top


def main(argv=None) -> int:
    """Every command runs inside the error boundary: a failure is one line ``newsbot: …``
    (secrets masked) and its exit code (newsbot.errors), returned."""
    from newsbot import secrets

    secrets.install()
    try:
        with boundary():
            args = parser().parse_args(argv)
            return args.func(args) or 0
    except SystemExit as done:  # the boundary's, or argparse's after --help
        return done.code if isinstance(done.code, int) else int(done.code is not None)


if __name__ == "__main__":
    sys.exit(main())
