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

import argparse
import sys

from newsbot.cli import add, cluster, crawl, demo, pages, publish, state, takedown

GROUPS = (crawl, demo, pages, state, publish, add, cluster, takedown)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="newsbot", description="Faithful, clean copies of campus news.")
    sub = top.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
    return top


def main(argv=None) -> int:
    from newsbot import secrets
    from newsbot.errors import ConfigError, OutputError

    secrets.install()
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, OutputError) as error:  # e.g. the cluster's Redis refuses or is gone: one line, exit 6
        print(f"newsbot: {secrets.mask(str(error))}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
