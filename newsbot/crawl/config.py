"""Start-up validation: every ``NEWSBOT_*`` setting and every spider argument is checked
before a crawl takes the run lock or writes anything, and a bad one stops the run with one
line that names it and says what is allowed (``ConfigError``; ``scrapy crawl`` exits 1).

The spiders parse their arguments with the functions here too (``parse_since`` and the
rest), so the crawl and this check cannot disagree about what a value means.
"""

from __future__ import annotations

import inspect
from datetime import datetime
from urllib.parse import urlsplit

from newsbot import settings as default_settings
from newsbot.crawl import values
from newsbot import secrets
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

# Every NEWSBOT_* setting and the kind of value it takes (newsbot.crawl.values): checked at
# start-up, one by one, then together (check_settings). tests/test_every_bad_input.py gives
# each kind its invalid values, and fails for a setting that is missing here.
SETTINGS = {
    "NEWSBOT_OUTPUT_DIR": values.output_dir,
    "NEWSBOT_POSTS_DIR": values.posts_dirs,
    "NEWSBOT_BLOG_NAME": values.optional_text,
    "NEWSBOT_BLOG_URL": values.optional_http_url,
    "NEWSBOT_FEEDS_URL": values.optional_http_url,
    "NEWSBOT_STATE": values.state_setting,
    "NEWSBOT_FORMAT": values.profiles,
    "NEWSBOT_PROFILE_OPTIONS": values.profile_options,
    "NEWSBOT_COLUMNS": values.columns,
    "NEWSBOT_REPLAY_DIR": values.optional_existing_dir,
    "NEWSBOT_CHINESE": values.opencc,
    "NEWSBOT_SITES_FILE": values.sites_file,
    "NEWSBOT_CONTACT_URL": values.contact_url,
    "NEWSBOT_FILE_MODE": values.file_mode,
    "NEWSBOT_RETRY_AFTER_MAX": values.seconds,
    "NEWSBOT_HOST_MAP": values.host_map,
    "NEWSBOT_ALARM_MAX_BROKEN_SHARE": values.share,
    "NEWSBOT_ALARM_MIN_FAILED": values.count,
    "NEWSBOT_RETRY_BACKOFF_HOURS": values.hours,
    "NEWSBOT_GIVE_UP_AFTER": values.count,
    "NEWSBOT_REVISIT_DAYS": values.days,
    "NEWSBOT_REVISIT_MAX": values.count_or_zero,
    "NEWSBOT_REVISIT_INTERVAL_HOURS": values.interval_hours,
    "NEWSBOT_WRITE_BATCH": values.count,
    "NEWSBOT_WORKERS": values.workers,
    "NEWSBOT_IMAGES": values.images,
    "NEWSBOT_IMAGES_MAX_BYTES": values.count,
    "NEWSBOT_ATTACHMENTS": values.attachments,
    "NEWSBOT_ATTACHMENTS_MAX_BYTES": values.count,
    "NEWSBOT_FEED_ENTRIES": values.count,
    "NEWSBOT_CLUSTER": values.cluster_url,
    "NEWSBOT_REDIS_PASSWORD_FILE": values.password_file,
    "NEWSBOT_CLUSTER_WORKER": values.name,
    "NEWSBOT_CLUSTER_LEASE": values.positive_seconds,
    "NEWSBOT_CLUSTER_FORGET_AFTER": values.positive_seconds,
    "NEWSBOT_CLUSTER_HOST_INTERVAL": values.seconds,
    "NEWSBOT_RETRY_BACKOFF": values.seconds,
    "NEWSBOT_PROGRESS_INTERVAL": values.seconds,
    "NEWSBOT_HTTPS_IMAGES": values.switch,
}


def file_mode(value) -> int | None:
    """``NEWSBOT_FILE_MODE`` as a mode (None: the umask's)."""
    return values.file_mode.setting("NEWSBOT_FILE_MODE", value)


def host_map(value) -> dict[str, str]:
    return values.host_map.setting("NEWSBOT_HOST_MAP", value)


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
    values.profile_options.setting("NEWSBOT_PROFILE_OPTIONS", settings.get("NEWSBOT_PROFILE_OPTIONS"))
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
    """Every NEWSBOT_* setting: a known name, a value of its kind, and the settings
    together: a Redis state only with a cluster, and the cluster's Redis reachable."""
    for name in settings:
        if name.startswith("NEWSBOT_") and name not in KNOWN_SETTINGS:
            raise ConfigError(f"-s {name}: no such setting; newsbot's settings are {', '.join(KNOWN_SETTINGS)}")
    for name, kind in SETTINGS.items():
        kind.setting(name, settings.get(name))
    output_and_posts(settings)
    cluster, state = settings.get("NEWSBOT_CLUSTER"), settings.get("NEWSBOT_STATE")
    if values.is_redis_url(state) and not cluster:
        raise ConfigError(f"-s NEWSBOT_STATE={secrets.mask(state)} is a Redis URL, which only a cluster's workers "
                          f"use: give NEWSBOT_CLUSTER too, or a state file")
    if cluster and state and not values.is_redis_url(state):
        raise ConfigError(f"-s NEWSBOT_STATE={state}: a cluster's workers share their state in Redis; "
                          f"leave NEWSBOT_STATE out (it defaults to NEWSBOT_CLUSTER) or give a Redis URL")
    for name in ("NEWSBOT_CLUSTER", "NEWSBOT_STATE"):
        if values.is_redis_url(settings.get(name)):
            check_reachable(name, settings.get(name), settings)


def check_reachable(name: str, url: str, settings, timeout: float = 5.0) -> None:
    """The Redis server at ``url`` answers, through the one Redis client factory (password
    file, TLS): exit 6 with the server named (password masked) and what to check, when not."""
    import redis

    from newsbot.storage.state.connection import connect, failure, password_file_of

    client = connect(url, password_file_of(settings), socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise failure(exc, url) from None
    finally:
        client.close()


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
