"""The one place where publication times are read, and where the times an operator reads
are written (``operator_time``: Asia/Shanghai, labelled +08:00).

Chinese news pages state times as ``2023-05-18 14:40``, ``2023年5月18日``, ``2023/05/18``,
``发布时间：…``, ``发稿时间：…``, ``日期：…``, ISO 8601 in meta tags, or only in the URL path
(``/2023/05/18/``, ``/202305/t20230518_1.html``, ``/2023/0518/c1a2/page.htm``). Times without an
offset are the source's local time (Asia/Shanghai for every Chinese site).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Earliest plausible publication: before this a parsed "date" is a number, not a date.
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

DATE_TIME = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>[01]?\d)\s*[-/.月]\s*(?P<d>[0-3]?\d)(?!\d)\s*日?"
    r"(?:(?:\s*T\s*|\s*|-)(?P<H>[0-2]?\d)\s*[:：时]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d)(?:\.\d+)?)?"
    r"\s*(?:秒)?\s*(?P<tz>Z|[+-][01]\d:?[0-5]\d)?)?"
)
# A date that stands under a label ("发布时间：2023-05-18 14:40"), labels by preference:
# in "更新时间：… 发布时间：…" the publication time wins wherever it stands.
LABELS = ("发布时间", "发稿时间", "发表时间", "发布日期", "时间", "日期", "Published", "Date", "更新时间")
LABELLED = [
    re.compile(re.escape(label) + r"\s*[:：]?\s*(?=(?:19|20)\d\d\s*[-/.年])") for label in LABELS
]
URL_DATE = (
    # Hanweb (大汉) government sites: /art/2023/5/18/art_1229_12345.html (no zero padding)
    re.compile(r"/art/(?P<y>(?:19|20)\d\d)/(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/art_"),
    # Tencent news: /rain/a/20230930A01ABC00
    re.compile(r"/(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)[A-Z]\d"),
    # /2023/05/18/  /2023-05-18/
    re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]\d)[/-](?P<d>[0-3]\d)(?:/|$|_)"),
    # TRS: /202305/t20230518_123.html
    re.compile(r"/t(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)_\d+"),
    # WebPlus: /2023/0518/c1234a56789/page.htm
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]\d)(?P<d>[0-3]\d)/c\d"),
    # /20230518/ or /20230518123456.html
    re.compile(r"/(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?:/|\d{0,6}\.s?html?)"),
)


def _build(groups: dict, tz: tzinfo) -> datetime | None:
    try:
        offset = groups.get("tz")
        if offset:
            if offset == "Z":
                tz = timezone.utc
            else:
                sign = 1 if offset[0] == "+" else -1
                hh, mm = int(offset[1:3]), int(offset[-2:])
                tz = timezone(sign * timedelta(hours=hh, minutes=mm))
        value = datetime(
            int(groups["y"]), int(groups["m"]), int(groups["d"]),
            int(groups.get("H") or 0), int(groups.get("M") or 0), int(groups.get("S") or 0),
            tzinfo=tz,
        )
    except (ValueError, TypeError):
        return None  # 2023-02-30, hour 25: not a date, and never a silently wrong one
    return value if value >= EARLIEST else None


def parse_date(text: str | None, tz: tzinfo = SHANGHAI) -> datetime | None:
    """Parse the first date (with its time, when given) in ``text``; aware, or None."""
    if not text:
        return None
    text = text.replace("\xa0", " ").replace("\u3000", " ")
    for label in LABELLED:
        found = label.search(text)
        match = found and DATE_TIME.match(text, found.end())
        if match:
            return _build(match.groupdict(), tz)
    match = DATE_TIME.search(text)
    return _build(match.groupdict(), tz) if match else None


def date_from_url(url: str, tz: tzinfo = SHANGHAI) -> datetime | None:
    for pattern in URL_DATE:
        match = pattern.search(url)
        if match:
            value = _build(match.groupdict(), tz)
            if value:
                return value
    return None


def to_local(value: datetime, tz: tzinfo = SHANGHAI) -> datetime:
    """An aware datetime in the source's zone; a naive one is taken as already local."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def normalise_published(value, tz: tzinfo = SHANGHAI, now: datetime | None = None) -> datetime | None:
    """What the date pipeline stores: an aware local datetime, or None when unknown.

    A time more than a day in the future is a misread (or a wrong clock on the site), not a
    publication time, so it is refused rather than written.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = to_local(value, tz)
    else:
        parsed = parse_date(str(value), tz)
        if parsed is None:
            return None
        parsed = to_local(parsed, tz)
    now = now or datetime.now(timezone.utc)
    if parsed > now + timedelta(days=1):
        return None
    return parsed


# --- times and durations an operator reads ------------------------------------------------
# One convention for every time newsbot shows (the log, the run report, the status page,
# `newsbot failed`): the sites' own time, Asia/Shanghai, labelled with its offset. A reader
# on a UTC server or anywhere else reads it right; nothing is in the machine's local time.
def operator_moment(value) -> datetime | None:
    """An aware datetime in Shanghai from a datetime (naive: UTC, as Scrapy's stats), Unix
    seconds, or an ISO 8601 string; None for None or what is none of these."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, SHANGHAI)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(SHANGHAI)


def operator_time(value) -> str:
    """``2023-03-08 09:00:05 +08:00``: for text an operator reads ("" when there is none)."""
    moment = operator_moment(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + moment.isoformat()[-6:] if moment else ""


def operator_iso(value) -> str | None:
    """``2023-03-08T09:00:05+08:00``: the same instant for JSON (ISO 8601, whole seconds)."""
    moment = operator_moment(value)
    return moment.replace(microsecond=0).isoformat() if moment else None


def site_time_struct(seconds: float) -> time.struct_time:
    """``logging.Formatter.converter`` for the log: the record's time in Shanghai, with the
    offset that ``%z`` in LOG_DATEFORMAT prints (+0800)."""
    moment = datetime.fromtimestamp(seconds, SHANGHAI)
    return time.struct_time((*moment.timetuple()[:9], moment.tzname(), int(moment.utcoffset().total_seconds())))


def human_duration(seconds) -> str:
    """``0.4 s``, ``12 s``, ``2 min 5 s``, ``3 h 20 min``, ``2 d 4 h``."""
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
