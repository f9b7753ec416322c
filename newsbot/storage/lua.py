"""Lua scripts for Redis, kept in ``.lua`` files beside the module that runs them (package
data: they are in the wheel and in scrapyd's egg) and read with ``importlib.resources``, so
they load from an installed package, a checkout, or a zipped egg alike.

A script may begin with ``-- include: other.lua`` lines: that file's text (shared Lua
functions) is put before the script's own, as Redis runs one text per script."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

INCLUDE = "-- include: "


@cache
def lua_script(package: str, name: str) -> str:
    """The text of ``{name}.lua`` in ``package``'s ``lua`` folder, its includes first."""
    text = files(package).joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")
    included = []
    for line in text.splitlines():
        if not line.startswith(INCLUDE):
            break
        included.append(lua_script(package, line[len(INCLUDE):].strip().removesuffix(".lua")))
    return "".join(part + "\n" for part in included) + text
