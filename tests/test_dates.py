from datetime import datetime, timedelta, timezone

import pytest

from newsbot.dates import SHANGHAI, date_from_url, normalise_published, parse_date


def sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("来源： 南开大学新闻网 发稿时间：2023-02-08 14:40", sh(2023, 2, 8, 14, 40)),
        ("2023-05-18", sh(2023, 5, 18)),
        ("2023-05-18 14:40:05", sh(2023, 5, 18, 14, 40, 5)),
        ("2023年5月18日", sh(2023, 5, 18)),
        ("2022年01月01日 18:45", sh(2022, 1, 1, 18, 45)),
        ("2023年05月18日18:45", sh(2023, 5, 18, 18, 45)),
        ("2023/05/18", sh(2023, 5, 18)),
        ("发布时间：2023/05/18 10:00", sh(2023, 5, 18, 10, 0)),
        ("日期：2023.5.8", sh(2023, 5, 8)),
        ("发布日期：\xa02023-05-18\u3000浏览次数：120", sh(2023, 5, 18)),
        ("2023年5月18日 14时40分", sh(2023, 5, 18, 14, 40)),
    ],
)
def test_chinese_page_dates(text, expected):
    assert parse_date(text) == expected


def test_label_wins_over_an_earlier_date():
    assert parse_date("2019-01-01 相关新闻 发布时间：2023-05-18 09:00") == sh(2023, 5, 18, 9, 0)


def test_explicit_offset_is_kept_and_converted():
    value = normalise_published("2023-05-18T06:40:00Z")
    assert value == sh(2023, 5, 18, 14, 40)
    assert value.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["2023-02-30", "2023-13-01", "发稿时间：", "编号 20231234", "", None, "1890-01-01"])
def test_not_a_date_gives_none(text):
    assert parse_date(text) is None


def test_future_date_is_refused_not_written():
    now = datetime(2023, 5, 18, tzinfo=timezone.utc)
    assert normalise_published("2023-06-18", now=now) is None
    assert normalise_published("2023-05-18 20:00", now=now) == sh(2023, 5, 18, 20, 0)


def test_naive_datetime_is_local_time():
    assert normalise_published(datetime(2023, 5, 18, 14, 40)) == sh(2023, 5, 18, 14, 40)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml", sh(2023, 5, 18)),
        ("http://news.bistu.edu.cn/zhxw/201609/t20160914_39069.html", sh(2016, 9, 14)),
        ("https://www.x.edu.cn/2023/0518/c1234a56789/page.htm", sh(2023, 5, 18)),
        ("https://www.x.edu.cn/info/1011/12345.htm", None),
    ],
)
def test_dates_in_url_paths(url, expected):
    assert date_from_url(url) == expected


def test_publication_label_beats_update_label_wherever_it_stands():
    assert parse_date("更新时间：2023-06-01 08:00 发布时间：2023-05-18 09:00") == sh(2023, 5, 18, 9, 0)


def test_gov_meta_time_with_dash():
    assert parse_date("2024-03-12-18:30:05") == sh(2024, 3, 12, 18, 30, 5)


@pytest.mark.parametrize(
    "url, expected",
    [("http://www.zj.gov.cn/art/2023/5/18/art_1229_12345.html", sh(2023, 5, 18)),
     ("https://news.qq.com/rain/a/20230930A01ABC00", sh(2023, 9, 30))],
)
def test_more_dates_in_url_paths(url, expected):
    assert date_from_url(url) == expected
