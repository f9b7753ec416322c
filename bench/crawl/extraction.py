"""Extraction cost per page: newsbot's extract + prepare + render (what ``newsbot extract``
and a crawl do to one page) against a bare ``lxml.html.fromstring`` and ``trafilatura.extract``
on the same bytes.

    python bench/crawl/extraction.py [--pages 200]

Page sets: the nankai fixture articles (fixtures/nankai, 27 pages) and ``--pages`` pages of
the simulated site (bench/crawl/simsite.py). Each page is timed 3 times per method; the
table shows the mean over pages of each page's fastest time, in ms, and its ratio to lxml.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from simsite import FIXTURES, HOST, Site, article_url  # noqa: E402

REPEATS = 3


def fixture_pages() -> list[tuple[str, bytes]]:
    return [(f"https://{HOST}/{p.relative_to(FIXTURES).as_posix()}", p.read_bytes())
            for p in sorted(FIXTURES.glob("*/system/2*/*/*/*.shtml"))]


def simulated_pages(count: int) -> list[tuple[str, bytes]]:
    site = Site(max(count, 1))
    step = max(1, site.total // count) if count else 1
    return [(article_url(i), site.article_page(i)) for i in range(0, site.total, step)][:count]


def newsbot_steps(url: str, body: bytes, settings) -> dict[str, float]:
    """One page through newsbot as ``newsbot extract`` does it; seconds per step."""
    from newsbot.generic import extract_generic
    from newsbot.extract import extract_article
    from newsbot.pages import make_response
    from newsbot.pipelines import prepare, render
    from newsbot.sites import site_for_url

    start = time.perf_counter()
    response = make_response(url, body)
    site = site_for_url(url)
    article = extract_article(site.page(response), fallback=extract_generic)
    article.site, article.source = site.name, site.display_name
    extracted = time.perf_counter()
    prepare(article)
    prepared = time.perf_counter()
    render(article, site.profile, settings)
    rendered = time.perf_counter()
    return {"extract": extracted - start, "prepare": prepared - extracted, "render": rendered - prepared}


def measure(pages: list[tuple[str, bytes]]) -> dict[str, float]:
    """Mean over pages of the fastest of REPEATS runs, in ms, per method and newsbot step."""
    import lxml.html
    import trafilatura

    from newsbot.cli import project_settings

    settings = project_settings()
    totals = {"lxml": 0.0, "newsbot": 0.0, "extract": 0.0, "prepare": 0.0, "render": 0.0, "trafilatura": 0.0}
    for url, body in pages:
        best: dict[str, float] = {}

        def keep(name, seconds):
            best[name] = min(best.get(name, float("inf")), seconds)

        for _ in range(REPEATS):
            start = time.perf_counter()
            lxml.html.fromstring(body)
            keep("lxml", time.perf_counter() - start)
            steps = newsbot_steps(url, body, settings)
            for name, seconds in steps.items():
                keep(name, seconds)
            keep("newsbot", sum(steps.values()))
            start = time.perf_counter()
            trafilatura.extract(body, url=url)
            keep("trafilatura", time.perf_counter() - start)
        for name in totals:
            totals[name] += best[name]
    return {name: total / len(pages) * 1000 for name, total in totals.items()}


def extraction_rows(simulated: int = 200) -> list[dict]:
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    sets = [("nankai fixtures", fixture_pages())]
    if simulated:
        sets.append(("simulated site", simulated_pages(simulated)))
    rows = []
    for name, pages in sets:
        ms = measure(pages)
        rows.append({"pages": name, "count": len(pages), "kb": sum(len(b) for _, b in pages) / len(pages) / 1024, **ms})
    return rows


def extraction_table(rows: list[dict]) -> str:
    from run import markdown

    lines = [("pages", "n", "KB", "lxml ms", "newsbot ms (extract+prepare+render)", "x lxml",
              "trafilatura ms", "x lxml")]
    for r in rows:
        lines.append((r["pages"], r["count"], f"{r['kb']:.1f}", f"{r['lxml']:.2f}",
                      f"{r['newsbot']:.2f} ({r['extract']:.2f}+{r['prepare']:.2f}+{r['render']:.2f})",
                      f"{r['newsbot'] / r['lxml']:.1f}", f"{r['trafilatura']:.2f}", f"{r['trafilatura'] / r['lxml']:.1f}"))
    return markdown(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="simulated pages (default 200)")
    print(extraction_table(extraction_rows(parser.parse_args().pages)))
