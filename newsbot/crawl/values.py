"""The kinds of value a setting or a command-line option takes, each with its one parser.

A ``Kind`` turns what a user wrote (``-s NAME=text``, ``--option text``, or a setting's
default) into the value newsbot uses, or refuses it saying what is allowed. The settings
table (``newsbot.crawl.config.SETTINGS``) gives every ``NEWSBOT_*`` setting its kind, and
the ``newsbot`` commands pass kinds to argparse as ``type=``: so a crawl and a command read
a value the same way, and the generated bad-input tests (tests/test_every_bad_input.py)
find every setting's and option's kind by its ``name``.

Parsers raise ``Invalid`` with what is allowed; the caller names the setting or option.
"""

from __future__ import annotations

import argparse
import codecs
import json
import math
import re
from pathlib import Path
from urllib.parse import urlsplit

from newsbot.errors import ConfigError
from newsbot.storage.state import is_redis_url


class Invalid(ValueError):
    """A value a kind does not take; the message says what is allowed."""


class Kind:
    """A named parser. Called (argparse's ``type=``) it raises ``ArgumentTypeError``;
    ``setting(name, value)`` raises ``ConfigError`` naming the setting."""

    def __init__(self, name: str, parse, optional: bool = False):
        self.name = self.__name__ = name
        self._parse = parse
        self.optional = optional  # None or "" means "not set" (the setting's default applies)

    def parse(self, value):
        if self.optional and value in (None, ""):
            return None
        return self._parse(value)

    def __call__(self, value):
        try:
            return self.parse(value)
        except Invalid as bad:
            raise argparse.ArgumentTypeError(f"{value!r} is not allowed: {bad}") from None

    def setting(self, name: str, value):
        try:
            return self.parse(value)
        except Invalid as bad:
            raise ConfigError(f"-s {name}={value!r} is not allowed: {bad}") from None

    def __repr__(self) -> str:
        return f"Kind({self.name})"


# --- numbers --------------------------------------------------------------------------------
def _number(value, allowed: str) -> float:
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise Invalid(allowed) from None
    if not math.isfinite(number):
        raise Invalid(allowed)
    return number


def _whole(value, minimum: int) -> int:
    allowed = f"use a whole number, {minimum} or more"
    if isinstance(value, bool):
        raise Invalid(allowed)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise Invalid(allowed) from None
    if number < minimum:
        raise Invalid(allowed)
    return number


def _share(value) -> float:
    share = _number(value, "use a number from 0 to 1, e.g. 0.2")
    if not 0 <= share <= 1:
        raise Invalid("use a number from 0 to 1, e.g. 0.2")
    return share


def _seconds(value, positive: bool = False) -> float:
    allowed = "use a number of seconds, more than 0" if positive else "use a number of seconds, 0 or more"
    number = _number(value, allowed)
    if number < 0 or (positive and number == 0):
        raise Invalid(allowed)
    return number


def _amount(value, unit: str) -> float:
    """A number of ``unit`` (days, hours), 0 or more."""
    allowed = f"use a number of {unit}, 0 or more"
    number = _number(value, allowed)
    if number < 0:
        raise Invalid(allowed)
    return number


def _hours(value) -> list[float]:
    allowed = "use hours, 0 or more, separated by commas, e.g. 1,4,24,72"
    items = list(value) if isinstance(value, (list, tuple)) else str(value).split(",")
    if not items:
        raise Invalid(allowed)
    hours = [_number(item, allowed) for item in items]
    if any(hour < 0 for hour in hours):
        raise Invalid(allowed)
    return hours


def _workers(value) -> str | int:
    if value in (None, "", "auto"):
        return "auto"
    try:
        return _whole(value, 0)
    except Invalid:
        raise Invalid("use auto, or a whole number of processes, 0 or more") from None


def _switch(value) -> bool:
    """On or off, as Scrapy's getbool reads it."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("1", "0", "true", "false"):
        raise Invalid("use 1 or 0")
    return text in ("1", "true")


def _file_mode(value) -> int:
    """An octal mode such as 0644 or 0640, without execute bits."""
    try:
        mode = int(str(value), 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o666 or mode & 0o111:
        raise Invalid("use an octal file mode without execute bits, e.g. 0644 or 0640")
    return mode


count = Kind("count", lambda value: _whole(value, 1))
count_or_zero = Kind("count_or_zero", lambda value: _whole(value, 0))
share = Kind("share", _share)
seconds = Kind("seconds", _seconds)
positive_seconds = Kind("positive_seconds", lambda value: _seconds(value, positive=True))
hours = Kind("hours", _hours)
days = Kind("days", lambda value: _amount(value, "days"))
interval_hours = Kind("interval_hours", lambda value: _amount(value, "hours"))
workers = Kind("workers", _workers)
file_mode = Kind("file_mode", _file_mode, optional=True)
switch = Kind("switch", _switch)


# --- words, names, URLs -----------------------------------------------------------------------
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def _name(value) -> str:
    """A name that becomes part of a file name (a worker's shard, a site's key): no path."""
    text = str(value)
    if not NAME.match(text) or ".." in text:
        raise Invalid("use letters, digits, '.', '_' and '-' only, starting with a letter or digit")
    return text


def _text(value) -> str:
    text = str(value)
    if not text.strip() or any(c in text for c in "\r\n\x00"):
        raise Invalid("give some text, on one line")
    return text.strip()


def is_http_url(value) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _http_url(value) -> str:
    if not is_http_url(value):
        raise Invalid("use an http(s) URL, e.g. https://news.example.edu.cn/")
    return str(value)


def _contact(value) -> str:
    """Where site owners reach the operator: an http(s) URL or a mailto: address."""
    text = str(value)
    mail = text.startswith("mailto:") and "@" in text and not any(c.isspace() for c in text)
    if not (is_http_url(text) or mail):
        raise Invalid("use an http(s) URL or a mailto: address, e.g. mailto:you@example.org")
    return text


def _posts_dirs(value) -> dict:
    from newsbot.publish.places import parse_posts_dirs

    try:
        return parse_posts_dirs(value)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def _redis_url(value) -> str:
    parts = urlsplit(str(value))
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise Invalid("use a Redis URL, e.g. redis://redis-host:6379/2")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise Invalid("use a Redis URL, e.g. redis://redis-host:6379/2") from None
    return str(value)


def _log_level(value) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if str(value).upper() not in levels:
        raise Invalid(f"use one of {', '.join(levels)}")
    return str(value).upper()


def _encoding(value) -> str:
    if not _known_charset(str(value)):
        raise Invalid("use a character set Python knows, e.g. utf-8, gbk or gb18030")
    return str(value)


def _content_type(value) -> str:
    text = str(value)
    charset = re.search(r"charset\s*=\s*[\"']?([^\s;\"']*)", text, re.I)
    if "/" not in text.split(";", 1)[0] or (charset and not _known_charset(charset.group(1))):
        raise Invalid("use a Content-Type header such as 'text/html; charset=gbk', with a charset Python knows")
    return text


def _known_charset(name: str) -> bool:
    if not name.strip():
        return False
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _json_object(value) -> dict:
    if isinstance(value, dict):
        return value
    text = str(value)
    try:
        parsed = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise Invalid(f"not valid JSON ({exc.msg} at character {exc.pos}): give a JSON object, "
                      f"e.g. {{\"key\": \"value\"}}") from None
    if not isinstance(parsed, dict):
        raise Invalid("give a JSON object, e.g. {\"key\": \"value\"}")
    return parsed


def _host_map(value) -> dict[str, str]:
    mapping = _json_object(value)
    for host, base in mapping.items():
        if not isinstance(base, str) or not is_http_url(base):
            raise Invalid(f"{host!r} maps to {base!r}, which is not an http(s) URL such as \"http://127.0.0.1:8080\"")
    return mapping


def _profile_options(value) -> dict:
    options = _json_object(value)
    for key, option in options.items():
        strings = isinstance(option, str) or (
            isinstance(option, dict) and all(isinstance(v, str) for v in option.values()))
        if not strings:
            raise Invalid(f"option {key!r} is {option!r}: give a string (or, for categories, an object "
                          f"of strings), e.g. {{\"blog\": \"news.example.edu.cn\"}}")
    return options


def _profiles(value) -> list[str]:
    from newsbot.publish.profiles import PROFILES, parse_profiles

    try:
        return parse_profiles(value)
    except ValueError:
        raise Invalid(f"use one or more of {', '.join(PROFILES)}, comma-separated, e.g. hexo,text") from None


def _images(value) -> str:
    from newsbot.publish.images import MODES

    if value not in MODES:
        raise Invalid("use remote (link to the site's images) or local (download them beside the posts)")
    return value


def _attachments(value) -> str:
    from newsbot.publish.attachments import MODES

    if value not in MODES:
        raise Invalid("use remote (link to the site's files) or local (download them beside the posts)")
    return value


def _opencc(value) -> str:
    try:
        import opencc
    except ImportError:
        raise Invalid("OpenCC is not installed: pip install '.[chinese]' (from the checkout)") from None
    try:
        opencc.OpenCC(value)
    except Exception:  # noqa: BLE001 - any failure means this conversion cannot be used
        known = sorted(p.stem for p in Path(opencc.__file__).with_name("config").glob("*.json"))
        raise Invalid(f"not an OpenCC conversion; known: {', '.join(known)}") from None
    return value


def _columns(value) -> str:
    """Column codes, comma-separated (which exist is the site's to say: check_crawl)."""
    text = value if isinstance(value, str) else ",".join(value)
    if not any(code.strip() for code in text.split(",")):
        raise Invalid("give column codes, comma-separated, e.g. ywsd,mtnk")
    return text


# --- files and directories --------------------------------------------------------------------
def blocking_file(path: Path) -> Path | None:
    """The first ancestor of ``path`` that exists and is not a directory (a path under a
    file can never be created), or None."""
    for parent in [path, *path.parents][1:]:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _output_dir(value) -> Path:
    """A directory newsbot may create: an existing one, or a path that can become one."""
    if str(value).strip() == "":
        raise Invalid("give a directory")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise Invalid("it is a file: give a directory")
    blocker = blocking_file(path)
    if blocker is not None:
        raise Invalid(f"{blocker} is a file, so no directory can be made under it")
    return path


def _existing_dir(value) -> Path:
    path = Path(value)
    if str(value).strip() == "" or not path.is_dir():
        raise Invalid("no such directory")
    return path


def _existing_output(value) -> Path:
    path = Path(value)
    if str(value).strip() == "" or not path.is_dir():
        raise Invalid("no such directory: give the output directory of a crawl (its NEWSBOT_OUTPUT_DIR)")
    return path


def _existing_file(value) -> Path:
    path = Path(value)
    if str(value).strip() == "" or not path.is_file():
        raise Invalid("a directory, not a file" if path.is_dir() and str(value).strip() else "no such file")
    return path


def _existing_path(value) -> Path:
    path = Path(value)
    if str(value).strip() == "" or not (path.is_file() or path.is_dir()):
        raise Invalid("no such file or directory")
    return path


def _new_file(value) -> Path:
    """A file to write (or append to): not a directory, in a directory that exists."""
    path = Path(value)
    if str(value).strip() == "" or path.is_dir():
        raise Invalid("give a file, not a directory")
    if not path.parent.is_dir():
        raise Invalid(f"{path.parent} is not a directory")
    return path


def _state_file(value) -> Path:
    """The SQLite state's file: it may not exist yet, but its directory can be made."""
    if is_redis_url(value):
        raise Invalid("give the state file's path: this command does not work on a cluster's state in Redis")
    path = Path(value)
    if str(value).strip() == "":
        raise Invalid("give the state file's path")
    if path.is_dir():
        raise Invalid("it is a directory: give the state file's path")
    blocker = blocking_file(path)
    if blocker is not None:
        raise Invalid(f"{blocker} is a file, so the state cannot be under it")
    return path


def _state(value) -> str | Path:
    """A state: the SQLite file (which may not exist yet) or a cluster's Redis URL."""
    if is_redis_url(value):
        return _redis_url(value)
    return _state_file(value)


def _existing_state(value) -> str | Path:
    state = _state(value)
    if isinstance(state, Path) and not state.is_file():
        raise Invalid("no state there: give the state file of a crawl (its NEWSBOT_STATE)")
    return state


def _sites_file(value) -> Path:
    from newsbot.sites import load_sites_file

    path = _existing_file(value)
    try:
        load_sites_file(path)
    except Exception as exc:  # noqa: BLE001 - YAML errors, bad entries: one line either way
        raise Invalid(" ".join(str(exc).split()).removeprefix(f"{value}: ")) from None
    return path


# --- what the project has -------------------------------------------------------------------------
def spider_names() -> list[str]:
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    from newsbot import settings as project

    settings = Settings()
    settings.setmodule(project)
    return sorted(get_spider_loader(settings).list())


def _spider_name(value) -> str:
    names = spider_names()
    if value not in names:
        raise Invalid(f"no such spider; the spiders are {', '.join(names)}")
    return value


def _site_name(value) -> str:
    from newsbot.sites import all_sites

    names = sorted(site.name for site in all_sites())
    if value not in names:
        raise Invalid(f"no such site; the sites are {', '.join(names)}")
    return value


name = Kind("name", _name, optional=True)
user_name = Kind("user_name", _name)
password_file = Kind("password_file", _existing_file, optional=True)  # read (and checked) on connecting
text = Kind("text", _text)
http_url = Kind("http_url", _http_url)
optional_text = Kind("optional_text", _text, optional=True)
optional_http_url = Kind("optional_http_url", _http_url, optional=True)
contact_url = Kind("contact_url", _contact, optional=True)
posts_dirs = Kind("posts_dirs", _posts_dirs, optional=True)  # which exist: check_settings
crawl_arguments = Kind("crawl_arguments", str)  # newsbot crawl's: the crawl command checks them
cluster_url = Kind("cluster_url", _redis_url, optional=True)
log_level = Kind("log_level", _log_level)
encoding = Kind("encoding", _encoding)
content_type = Kind("content_type", _content_type)
host_map = Kind("host_map", _host_map)
profile_options = Kind("profile_options", _profile_options)
profiles = Kind("profiles", _profiles, optional=True)
images = Kind("images", _images)
attachments = Kind("attachments", _attachments)
opencc = Kind("opencc", _opencc, optional=True)
columns = Kind("columns", _columns, optional=True)
output_dir = Kind("output_dir", _output_dir)
existing_dir = Kind("existing_dir", _existing_dir)
optional_existing_dir = Kind("existing_dir", _existing_dir, optional=True)
existing_output = Kind("existing_output", _existing_output)
existing_file = Kind("existing_file", _existing_file)
existing_path = Kind("existing_path", _existing_path)
new_file = Kind("new_file", _new_file)
state = Kind("state", _state)
existing_state = Kind("existing_state", _existing_state)
state_file = Kind("state_file", _state_file)
state_setting = Kind("state_setting", _state, optional=True)  # a Redis URL only with a cluster: check_settings
sites_file = Kind("sites_file", _sites_file, optional=True)
spider_name = Kind("spider_name", _spider_name)
site_name = Kind("site_name", _site_name)
