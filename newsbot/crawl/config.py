"""Start-up validation: every ``NEWSBOT_*`` setting and every spider argument is checked
before a crawl takes the run lock or writes anything, and a bad one stops the run with one
line that names it and says what is allowed (``ConfigError``; ``scrapy crawl`` exits 1).

The spiders parse their arguments with the functions here too (``parse_since`` and the
rest), so the crawl and this check cannot disagree about what a value means.
"""

from __future__ import annotations

import inspect
import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from newsbot import settings as default_settings
from newsbot.errors import ConfigError


# --- spider arguments -----------------------------------------------------------------------
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no", "")


def parse_since(value) -> datetime | None:
    from newsbot.dates import parse_date

    if value in (None, ""):
        return None
    since = parse_date(str(value))
    if since is None:
        raise ConfigError(f"-a since={value!r} is not a date: use YYYY-MM-DD")
    return since


def parse_max_pages(value) -> int | None:
    """None: no bound. Otherwise a whole number of list pages per column, at least 1."""
    if value in (None, ""):
        return None
    try:
        pages = int(str(value).strip())
    except ValueError:
        pages = 0
    if pages < 1:
        raise ConfigError(f"-a max_pages={value!r} is not allowed: use a whole number of list pages, 1 or more")
    return pages


def parse_backfill(value) -> bool:
    text = str(value).strip().lower()
    if text not in TRUE + FALSE:
        raise ConfigError(f"-a backfill={value!r} is not allowed: use 1 or 0")
    return text in TRUE


def switch(name: str, value) -> None:
    """A setting that is on or off (Scrapy's getbool reads True/False, 1/0, true/false)."""
    if value is not None and not isinstance(value, bool) and str(value).strip().lower() not in ("1", "0", "true", "false"):
        raise ConfigError(f"-s {name}={value!r} is not allowed: use 1 or 0")


def parse_columns(value, site) -> list[str] | None:
    """Column codes of ``site`` asked for by ``-a columns=`` (or NEWSBOT_COLUMNS); None:
    the site's defaults."""
    if not value:
        return None
    codes = [c.strip() for c in (value.split(",") if isinstance(value, str) else value) if c.strip()]
    known = [c.code for c in site.columns]
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ConfigError(f"-a columns={','.join(codes)}: site {site.name} has no column "
                          f"{', '.join(unknown)}; its columns are {', '.join(known)}")
    return codes or None


def spider_arguments(spidercls) -> list[str]:
    """The ``-a`` arguments a spider takes: the keyword parameters of its ``__init__`` and
    ``load_sites`` methods, through its base classes (how each spider declares them)."""
    names = []
    for cls in spidercls.__mro__:
        if cls.__module__.split(".")[0] != "newsbot":
            continue  # scrapy.Spider's own name=, not an argument of ours
        for method in ("__init__", "load_sites"):
            function = cls.__dict__.get(method)
            if function is None:
                continue
            for parameter in inspect.signature(function).parameters.values():
                if parameter.kind is parameter.KEYWORD_ONLY or (
                    parameter.kind is parameter.POSITIONAL_OR_KEYWORD and parameter.name != "self"
                ):
                    if parameter.name not in names:
                        names.append(parameter.name)
    return names


# --- settings ---------------------------------------------------------------------------------
KNOWN_SETTINGS = sorted(name for name in vars(default_settings) if name.startswith("NEWSBOT_"))


def json_object(name: str, value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) and value.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(f"-s {name}: not valid JSON ({exc.msg} at character {exc.pos}): "
                          f"give a JSON object, e.g. {{\"key\": \"value\"}}") from None
    if not isinstance(parsed, dict):
        raise ConfigError(f"-s {name}: give a JSON object, e.g. {{\"key\": \"value\"}}, not {value!r}")
    return parsed


def http_url(value) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def host_map(value) -> dict[str, str]:
    mapping = json_object("NEWSBOT_HOST_MAP", value)
    for host, base in mapping.items():
        if not isinstance(base, str) or not http_url(base):
            raise ConfigError(f"-s NEWSBOT_HOST_MAP: {host!r} maps to {base!r}, which is not an "
                              f"http(s) URL such as \"http://127.0.0.1:8080\"")
    return mapping


def alarm_share(value) -> float:
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = -1.0
    if not 0 <= share <= 1:
        raise ConfigError(f"-s NEWSBOT_ALARM_MAX_BROKEN_SHARE={value!r} is not allowed: "
                          f"use a number from 0 to 1, e.g. 0.2")
    return share


def file_mode(value) -> int | None:
    """``NEWSBOT_FILE_MODE``: an octal mode such as 0644 or 0640, without execute bits."""
    if value in (None, ""):
        return None
    try:
        mode = int(str(value), 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o666 or mode & 0o111:
        raise ConfigError(f"-s NEWSBOT_FILE_MODE={value!r} is not allowed: use an octal file "
                          f"mode without execute bits, e.g. 0644 or 0640")
    return mode


def seconds(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0:
        raise ConfigError(f"-s {name}={value!r} is not allowed: use a number of seconds, 0 or more")
    return number


def amount(name: str, value, unit: str) -> float:
    """A setting that is a number of ``unit`` (days, hours), 0 or more."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not number >= 0 or number == float("inf"):
        raise ConfigError(f"-s {name}={value!r} is not allowed: use a number of {unit}, 0 or more")
    return number


def whole_number(name: str, value, minimum: int = 0, also: tuple = ()) -> None:
    """A setting that is a whole number (at least ``minimum``), or one of the words ``also``."""
    if value in also:
        return
    try:
        number = int(str(value))
    except ValueError:
        number = minimum - 1
    if number < minimum:
        words = "".join(f" or {w}" for w in also)
        raise ConfigError(f"-s {name}={value!r} is not allowed: use a whole number, {minimum} or more{words}")


def backoff_hours(value) -> None:
    hours = value if isinstance(value, (list, tuple)) else str(value).split(",")
    try:
        if not hours or any(float(h) < 0 for h in hours):
            raise ValueError
    except ValueError:
        raise ConfigError(f"-s NEWSBOT_RETRY_BACKOFF_HOURS={value!r} is not allowed: "
                          f"use hours, 0 or more, separated by commas, e.g. 1,4,24,72") from None


def chinese(value) -> None:
    if not value:
        return
    try:
        import opencc
    except ImportError:
        raise ConfigError("-s NEWSBOT_CHINESE needs OpenCC: pip install '.[chinese]' (from the checkout)") from None
    try:
        opencc.OpenCC(value)
    except Exception:  # noqa: BLE001 - any failure means this config cannot be used
        configs = sorted(p.stem for p in Path(opencc.__file__).with_name("config").glob("*.json"))
        raise ConfigError(f"-s NEWSBOT_CHINESE={value!r} is not an OpenCC conversion; "
                          f"known: {', '.join(configs)}") from None


def images(mode) -> None:
    from newsbot.publish.images import MODES

    if mode not in MODES:
        raise ConfigError(f"-s NEWSBOT_IMAGES={mode!r} is not allowed: use remote (link to the "
                          f"site's images) or local (download them beside the posts)")


def attachments(mode) -> None:
    from newsbot.publish.attachments import MODES

    if mode not in MODES:
        raise ConfigError(f"-s NEWSBOT_ATTACHMENTS={mode!r} is not allowed: use remote (link to the "
                          f"site's files) or local (download them beside the posts)")


def directory(name: str, value, must_exist: bool) -> None:
    if value in (None, ""):
        if must_exist:
            return
        raise ConfigError(f"-s {name} is empty: give a directory")
    path = Path(value)
    if must_exist and not path.is_dir():
        raise ConfigError(f"-s {name}={value}: no such directory")
    if not must_exist and path.exists() and not path.is_dir():
        raise ConfigError(f"-s {name}={value} is a file, not a directory")


def output_and_posts(settings, profiles: set[str] | None = None) -> None:
    """newsbot's working directory is not a place a site generator publishes; the posts
    folders exist, and a plain one serves one blog profile."""
    from newsbot.publish.places import jekyll_site_root, parse_posts_dirs, published_by_generator

    output = settings.get("NEWSBOT_OUTPUT_DIR") or "output"
    exposed = published_by_generator(output)
    if exposed:
        raise ConfigError(f"-s NEWSBOT_OUTPUT_DIR={output}: {exposed}; it holds newsbot's state, reports and "
                          f"status page: give the blog's posts folder as -s NEWSBOT_POSTS_DIR and keep "
                          f"NEWSBOT_OUTPUT_DIR outside the blog's source (docs/blog.md)")
    value = settings.get("NEWSBOT_POSTS_DIR")
    try:
        folders = parse_posts_dirs(value)
    except ValueError as exc:
        raise ConfigError(f"-s NEWSBOT_POSTS_DIR={value!r}: {exc}") from None
    for profile, folder in folders.items():
        if not folder.is_dir():
            raise ConfigError(f"-s NEWSBOT_POSTS_DIR={value}: no such directory {folder} (the blog's posts folder)")
        if profile == "jekyll" or (profile == "*" and profiles and "jekyll" in profiles):
            try:
                jekyll_site_root(folder)
            except ValueError as exc:
                raise ConfigError(f"-s NEWSBOT_POSTS_DIR={value}: {exc}") from None
    blogs = sorted((profiles or set()) & {"hexo", "jekyll"})
    if "*" in folders and len(blogs) > 1:
        raise ConfigError(f"-s NEWSBOT_POSTS_DIR={value}: this run writes {' and '.join(blogs)} posts: give each "
                          f"its folder, e.g. {{\"hexo\": \"…/source/_posts\", \"jekyll\": \"…/_posts\"}}")


def sites_file(value) -> None:
    from newsbot.sites import load_sites_file

    if not value:
        return
    if not Path(value).is_file():
        raise ConfigError(f"-s NEWSBOT_SITES_FILE={value}: no such file")
    try:
        load_sites_file(value)
    except Exception as exc:  # noqa: BLE001 - YAML errors, bad entries: one line either way
        message = " ".join(str(exc).split()).removeprefix(f"{value}: ")
        raise ConfigError(f"-s NEWSBOT_SITES_FILE={value}: {message}") from None


def contact_url(value) -> None:
    mail = str(value).startswith("mailto:") and "@" in str(value) and not any(c.isspace() for c in str(value))
    if value not in (None, "") and not (http_url(value) or mail):
        raise ConfigError(f"-s NEWSBOT_CONTACT_URL={value!r} is not an http(s) URL or a mailto: address")


# Which options each output profile needs from the site's profile_options (or
# NEWSBOT_PROFILE_OPTIONS); "a|b" means either. See newsbot/publish/profiles.py.
PROFILE_NEEDS = {"hexo": ("blog",), "jekyll": ("site", "categories|category"), "text": ()}


def check_profiles(settings, sites) -> None:
    from newsbot.publish.profiles import PROFILES, operator_options, parse_profiles

    value = settings.get("NEWSBOT_FORMAT")
    try:
        asked = parse_profiles(value) if value else None
    except ValueError:
        raise ConfigError(f"-s NEWSBOT_FORMAT={value!r}: use one or more of {', '.join(PROFILES)}, "
                          f"comma-separated, e.g. hexo,text") from None
    json_object("NEWSBOT_PROFILE_OPTIONS", settings.get("NEWSBOT_PROFILE_OPTIONS"))
    overrides = operator_options(settings)
    for site in sites:
        options = {**site.profile_options, **overrides}
        for profile in asked or [site.profile]:
            missing = [need.replace("|", " or ") for need in PROFILE_NEEDS.get(profile, ())
                       if not any(options.get(o) for o in need.split("|"))]
            if missing:
                raise ConfigError(
                    f"-s NEWSBOT_FORMAT={value or profile}: site {site.name} cannot be written as "
                    f"{profile}: it needs the profile option(s) {', '.join(missing)} "
                    f"(give them with -s NEWSBOT_PROFILE_OPTIONS) or another profile")


def run_profiles(settings, sites) -> set[str]:
    from newsbot.publish.profiles import parse_profiles

    value = settings.get("NEWSBOT_FORMAT")
    return set(parse_profiles(value)) if value else {site.profile for site in sites}


def check_settings(settings) -> None:
    """Every NEWSBOT_* setting: a known name, and a value its reader accepts."""
    for name in settings:
        if name.startswith("NEWSBOT_") and name not in KNOWN_SETTINGS:
            raise ConfigError(f"-s {name}: no such setting; newsbot's settings are {', '.join(KNOWN_SETTINGS)}")
    directory("NEWSBOT_OUTPUT_DIR", settings.get("NEWSBOT_OUTPUT_DIR"), must_exist=False)
    output_and_posts(settings)
    directory("NEWSBOT_REPLAY_DIR", settings.get("NEWSBOT_REPLAY_DIR"), must_exist=True)
    state = settings.get("NEWSBOT_STATE")
    if state and Path(state).is_dir():
        raise ConfigError(f"-s NEWSBOT_STATE={state} is a directory: give the state file's path")
    json_object("NEWSBOT_PROFILE_OPTIONS", settings.get("NEWSBOT_PROFILE_OPTIONS"))
    host_map(settings.get("NEWSBOT_HOST_MAP"))
    alarm_share(settings.get("NEWSBOT_ALARM_MAX_BROKEN_SHARE"))
    file_mode(settings.get("NEWSBOT_FILE_MODE"))
    seconds("NEWSBOT_RETRY_AFTER_MAX", settings.get("NEWSBOT_RETRY_AFTER_MAX"))
    seconds("NEWSBOT_RETRY_BACKOFF", settings.get("NEWSBOT_RETRY_BACKOFF"))
    seconds("NEWSBOT_PROGRESS_INTERVAL", settings.get("NEWSBOT_PROGRESS_INTERVAL"))
    switch("NEWSBOT_HTTPS_IMAGES", settings.get("NEWSBOT_HTTPS_IMAGES"))
    backoff_hours(settings.get("NEWSBOT_RETRY_BACKOFF_HOURS"))
    whole_number("NEWSBOT_GIVE_UP_AFTER", settings.get("NEWSBOT_GIVE_UP_AFTER"), minimum=1)
    whole_number("NEWSBOT_ALARM_MIN_FAILED", settings.get("NEWSBOT_ALARM_MIN_FAILED"), minimum=1)
    whole_number("NEWSBOT_WRITE_BATCH", settings.get("NEWSBOT_WRITE_BATCH"), minimum=1)
    amount("NEWSBOT_REVISIT_DAYS", settings.get("NEWSBOT_REVISIT_DAYS"), "days")
    whole_number("NEWSBOT_REVISIT_MAX", settings.get("NEWSBOT_REVISIT_MAX"), minimum=0)
    amount("NEWSBOT_REVISIT_INTERVAL_HOURS", settings.get("NEWSBOT_REVISIT_INTERVAL_HOURS"), "hours")
    whole_number("NEWSBOT_WORKERS", settings.get("NEWSBOT_WORKERS"), minimum=0, also=("auto",))
    chinese(settings.get("NEWSBOT_CHINESE"))
    images(settings.get("NEWSBOT_IMAGES"))
    whole_number("NEWSBOT_IMAGES_MAX_BYTES", settings.get("NEWSBOT_IMAGES_MAX_BYTES"), minimum=1)
    attachments(settings.get("NEWSBOT_ATTACHMENTS"))
    whole_number("NEWSBOT_ATTACHMENTS_MAX_BYTES", settings.get("NEWSBOT_ATTACHMENTS_MAX_BYTES"), minimum=1)
    contact_url(settings.get("NEWSBOT_CONTACT_URL"))
    sites_file(settings.get("NEWSBOT_SITES_FILE"))


def check_crawl(settings, spidercls, spider_args: dict) -> None:
    """Everything a crawl of ``spidercls`` with these settings and ``-a`` arguments would
    reject, checked before it starts. Raises ConfigError."""
    check_settings(settings)
    takes = spider_arguments(spidercls)
    for name in spider_args:
        if name not in takes and name != "_job":  # scrapyd gives every job -a _job=ID
            raise ConfigError(f"-a {name}: spider {spidercls.name} takes no such argument; "
                              f"it takes {', '.join(takes)}")
    args = dict(spider_args)
    columns = settings.get("NEWSBOT_COLUMNS")
    if columns and "columns" not in args:
        args["columns"] = columns if isinstance(columns, str) else ",".join(columns)
    if "site" in takes:
        check_site_argument(args.get("site"))
    try:
        spider = spidercls(**args)  # the spider's own parsing (parse_since and the rest)
    except ConfigError as bad:
        if "columns" in spider_args or not str(bad).startswith("-a columns="):
            raise
        raise ConfigError(str(bad).replace("-a columns=", "-s NEWSBOT_COLUMNS=", 1)) from None
    except ValueError as exc:
        raise ConfigError(f"spider {spidercls.name}: {exc}") from None
    sites = getattr(spider, "sites", ())
    check_profiles(settings, sites)
    output_and_posts(settings, run_profiles(settings, sites))
    check_identity(settings, sites, run_profiles(settings, sites))


LOOPBACK = ("127.", "localhost", "[::1]")


def offline(settings, sites) -> bool:
    """No request of this crawl reaches a site: its pages are replayed, or every host of
    its sites is mapped to this machine (a test server)."""
    if settings.get("NEWSBOT_REPLAY_DIR"):
        return True
    mapped = host_map(settings.get("NEWSBOT_HOST_MAP"))
    hosts = [host for site in sites for host in site.hosts]
    return bool(hosts) and all(urlsplit(mapped.get(host, "")).hostname is not None
                               and urlsplit(mapped[host]).netloc.startswith(LOOPBACK) for host in hosts)


def check_identity(settings, sites, profiles) -> None:
    """A live crawl identifies its operator and publishes under the operator's blog: the
    defaults are another blog's (the seeds'), so it refuses until they are set."""
    from scrapy.settings import SETTINGS_PRIORITIES

    from newsbot.publish.profiles import operator_options

    if offline(settings, sites):
        return
    missing = []
    if not settings.get("NEWSBOT_CONTACT_URL") and settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["default"]:
        missing.append("NEWSBOT_CONTACT_URL (where site owners reach you, sent in the User-Agent)")
    options = operator_options(settings)
    if "hexo" in profiles and not options.get("blog"):
        missing.append("NEWSBOT_BLOG_NAME (the blog the hexo posts are published under)")
    if "jekyll" in profiles and not options.get("site"):
        missing.append("NEWSBOT_BLOG_URL (the blog's address, for the jekyll posts' links)")
    if missing:
        raise ConfigError("a live crawl publishes under your name, not the seeds' blogs: set " +
                          " and ".join(f"-s {m}" for m in missing) + " (docs/blog.md)")


def check_site_argument(value) -> None:
    """The campus spider's ``-a site=``: configured campus sites (comma-separated), or all."""
    from newsbot.sites import all_sites

    names = sorted(site.name for site in all_sites() if site.campus)
    asked = [name.strip() for name in (value or "").split(",") if name.strip()]
    if value != "all" and (not asked or any(name not in names for name in asked)):
        given = f"={value}" if value else " is missing"
        raise ConfigError(f"-a site{given}: use one or more (a,b) of {', '.join(names)}, or all")
