"""Golden files (newsbot/cli/golden.py): every article page of the replay fixtures against the
record beside it, field by field. A difference is either a regression or an improvement to
review: ``newsbot fixtures --update`` rewrites the files, and their git diff is the review."""

from __future__ import annotations

import json
import shutil

import pytest

from newsbot import cli
from newsbot.cli.golden import article_pages, field_diff, golden_path, golden_record

from .conftest import FIXTURES

PAGES = article_pages(FIXTURES)


def test_every_fixture_set_has_its_article_pages():
    per_set = {}
    for page, _ in PAGES:
        name = page.relative_to(FIXTURES).parts[0]
        per_set[name] = per_set.get(name, 0) + 1
    assert per_set == {"nankai": 27, "bistu": 10, "eastmoney": 12, "campus": 21}


@pytest.mark.parametrize("page, url", PAGES, ids=[str(p.relative_to(FIXTURES)) for p, _ in PAGES])
def test_page_matches_its_golden_file(page, url):
    path = golden_path(page)
    assert path.exists(), f"no golden file {path.name}: run newsbot fixtures --update and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    differences = field_diff(expected, golden_record(page, url))
    assert not differences, "\n".join([f"{url} differs from {path.name}:", *differences])


def test_fixtures_command_reports_and_rewrites(tmp_path, capsys):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    missing = golden_path(fixtures / "bistu" / "news.bistu.edu.cn" / "zhxw" / "202401" / "t20240112_75201.html")
    changed = golden_path(fixtures / "eastmoney" / "finance.eastmoney.com" / "a" / "202201012234131818.html")
    stale = fixtures / "campus" / "news.tju.edu.cn" / "xwzx.htm.expected.json"  # a list page
    original = changed.read_text(encoding="utf-8")
    missing.unlink()
    record = json.loads(original)
    changed.write_text(json.dumps({**record, "title": "旧标题"}, ensure_ascii=False), encoding="utf-8")
    stale.write_text("{}", encoding="utf-8")

    assert cli.main(["fixtures", "--fixtures", str(fixtures)]) == 1
    out = capsys.readouterr().out
    assert f"{missing.relative_to(fixtures)}: missing" in out
    assert f"title:\n    expected '旧标题'\n    got      {record['title']!r}" in out
    assert f"{stale.relative_to(fixtures)}: no article page beside it" in out

    assert cli.main(["fixtures", "--fixtures", str(fixtures), "--update"]) == 0
    assert changed.read_text(encoding="utf-8") == original
    assert missing.exists() and not stale.exists()
    capsys.readouterr()
    assert cli.main(["fixtures", "--fixtures", str(fixtures)]) == 0
