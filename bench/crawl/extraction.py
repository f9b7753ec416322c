"""Extraction cost per page: newsbot's extract + prepare + render (what ``newsbot extract``
and a crawl do to one page) against a bare ``lxml.html.fromstring`` and ``trafilatura.extract``
on the same bytes.

    python bench/crawl/extraction.py [--pages 200]

Page sets: the nankai fixture articles (fixtures/nankai, 27 pages), ``--pages`` pages of
the simulated site (bench/crawl/simsite.py), and the article pages of ../shared/realpages
(real pages of campus sites and news portals, which nobody here wrote): those of a host
with a site configuration, and those the generic extractor reads (it asks trafilatura for
a reference text, so it costs more than trafilatura alone). Each page is
timed 5 times per method; the table shows the mean over pages of each page's fastest
time, in ms, and its ratio to lxml.
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

REPEATS = 5


def fixture_pages() -> list[tuple[str, bytes]]:
    return [(f"https://{HOST}/{p.relative_to(FIXTURES).as_posix()}", p.read_bytes())
            for p in sorted(FIXTURES.glob("*/system/2*/*/*/*.shtml"))]


def real_pages() -> list[tuple[str, bytes]]:
    """The article pages of ../shared/realpages, at the URLs the tests read them at."""
    try:
        from tests.test_realpages import REALPAGES, info, page_url
    except ImportError:
        return []
    if not REALPAGES.is_dir():
        return []
    return [(page_url(d.name), (d / "page.html").read_bytes()) for d in sorted(REALPAGES.iterdir())
            if (d / "info.json").is_file() and info(d.name)["kind"] == "article"]


def simulated_pages(count: int) -> list[tuple[str, bytes]]:
    site = Site(max(count, 1))
    step = max(1, site.total // count) if count else 1
    return [(article_url(i), site.article_page(i)) for i in range(0, site.total, step)][:count]


def newsbot_steps(url: str, body: bytes, settings) -> dict[str, float]:
    """One page through newsbot as ``newsbot extract`` does it (the site's rules, or the
    generic extractor for a host with none; the site's profile, else text); seconds per
    step. A page the pipelines drop (no body) is timed up to the drop."""
    from newsbot.cli.pages import site_profile
    from newsbot.extract import extract
    from newsbot.errors import Dropped
    from newsbot.extract import prepare
    from newsbot.publish.profiles import render

    start = time.perf_counter()
    article = extract(url, body, {"Content-Type": "text/html"})
    extracted = time.perf_counter()
    try:
        prepare(article)
    except Dropped:
        return {"extract": extracted - start, "prepare": time.perf_counter() - extracted, "render": 0.0,
                "nh3": 0.0, "html_kb": 0.0}
    prepared = time.perf_counter()
    render(article, site_profile(article.site) if article.site else "text", settings)
    rendered = time.perf_counter()
    # The nh3 pass over the body_html (part of prepare): timed again on its own.
    from newsbot.html.sanitise import final_pass

    clean = time.perf_counter()
    final_pass(article.body_html)
    cleaned = time.perf_counter()
    return {"extract": extracted - start, "prepare": prepared - extracted, "render": rendered - prepared,
            "nh3": cleaned - clean, "html_kb": len(article.body_html.encode("utf-8")) / 1024}


def measure(pages: list[tuple[str, bytes]]) -> dict[str, float]:
    """Mean over pages of the fastest of REPEATS runs, in ms, per method and newsbot step."""
    import lxml.html
    import trafilatura

    from newsbot.cli.common import project_settings

    settings = project_settings()
    totals = {"lxml": 0.0, "newsbot": 0.0, "extract": 0.0, "prepare": 0.0, "render": 0.0, "trafilatura": 0.0,
              "nh3": 0.0, "html_kb": 0.0}
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
            keep("newsbot", steps["extract"] + steps["prepare"] + steps["render"])
            start = time.perf_counter()
            trafilatura.extract(body, url=url)
            keep("trafilatura", time.perf_counter() - start)
        for name in totals:
            totals[name] += best[name]
    # (ms per page; html_kb: the mean KB of body_html per page, scaled alike: x 1000)
    return {name: total / len(pages) * 1000 for name, total in totals.items()}


def extraction_rows(simulated: int = 200) -> list[dict]:
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    sets = [("nankai fixtures", fixture_pages())]
    if simulated:
        sets.append(("simulated site", simulated_pages(simulated)))
    from newsbot.sites import site_for_url

    real = real_pages()
    sets.append(("real pages, site rules", [(url, body) for url, body in real if site_for_url(url)]))
    sets.append(("real pages, generic", [(url, body) for url, body in real if not site_for_url(url)]))
    rows = []
    for name, pages in sets:
        if not pages:
            continue
        ms = measure(pages)
        rows.append({"pages": name, "count": len(pages), "kb": sum(len(b) for _, b in pages) / len(pages) / 1024, **ms})
    return rows


def extraction_table(rows: list[dict]) -> str:
    from run import markdown

    lines = [("pages", "n", "KB", "lxml ms", "newsbot ms (extract+prepare+render)", "x lxml",
              "trafilatura ms", "x lxml", "nh3 pass ms (per KB of body_html)")]
    for r in rows:
        lines.append((r["pages"], r["count"], f"{r['kb']:.1f}", f"{r['lxml']:.2f}",
                      f"{r['newsbot']:.2f} ({r['extract']:.2f}+{r['prepare']:.2f}+{r['render']:.2f})",
                      f"{r['newsbot'] / r['lxml']:.1f}", f"{r['trafilatura']:.2f}", f"{r['trafilatura'] / r['lxml']:.1f}",
                      f"{r['nh3']:.3f} ({r['nh3'] * 1000 / max(r['html_kb'], 1e-9):.3f})"))
    return markdown(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="simulated pages (default 200)")
    print(extraction_table(extraction_rows(parser.parse_args().pages)))
