"""Measure newsbot's generic extractor on real pages, beside trafilatura and GNE in one run.

    .venv/bin/pip install -e '.[bench]'          # gne (trafilatura is a runtime dependency)
    .venv/bin/python bench/generic/evaluate.py    # real pages, then the regression suite
    .venv/bin/python bench/generic/evaluate.py -v # also list every miss per page

1. Real pages: every article in ``../shared/realpages`` (saved pages nobody in this project
   wrote, each with a hand-checked ``expected.json``; read its README), then every page of
   ``heldout/`` (36 real Chinese news pages from GNE's source distribution, annotated by
   hand the same way; read heldout/README.md), then both together. Columns:

   - ``generic``: newsbot's generic extractor (``extract_generic``) on EVERY page, also those
     a site rule reads, so the figure measures the generic path itself;
   - ``newsbot``: newsbot's full path as a crawl runs it (the crawl's charset repair, the
     site's rules with the generic fallback, the cleaning pipeline);
   - ``trafilatura``: ``bare_extraction(..., with_metadata=True)`` with its defaults (a second
     run with ``include_images=True`` counts its images);
   - ``gne``: ``GeneralNewsExtractor().extract(html)``.

   The page text given to generic, trafilatura and GNE is decoded the same way for all three:
   UTF-8 when the bytes are valid UTF-8, else as Scrapy would (a page of the set declares
   GB2312 but is UTF-8; the full-path column shows what the crawl makes of it instead).

   Fields, compared as the realpages README says: ``title`` equal with whitespace removed;
   ``day`` the publication day right; ``time`` hour:minute right, over the pages that show a
   time; ``start``/``end`` the body begins with ``body_first`` / ends with ``body_last``, all
   whitespace removed from both sides; ``images`` the count of images in the body equal.
   ``body F1``: the expected files give only the first and last 30 characters of the body,
   so a reference is derived from the page itself, by no extractor: the text of the
   innermost element that holds both (scripts, styles and comments left out), from
   ``body_first`` to the end of ``body_last``, whitespace removed. It is the container's
   own text, so chrome standing between the first and last lines counts as body. The score
   is the F1 of character bigrams (multisets) against it, averaged over the pages that give
   a reference.

   Cost: each tool's one call per page (generic: the page input built and ``extract_generic``;
   trafilatura: ``bare_extraction`` with metadata; GNE: ``extract``), the fastest of
   ``REPEATS`` runs, as ms per page and as a multiple of a bare ``lxml.html.fromstring`` of
   the same bytes timed in the same run. ``trafilatura calls``: how many pages the generic
   path asked trafilatura for a reference text.

   A second table runs the same pages with their headline markup removed (no ``<title>``, no
   ``og:title``, h1–h3 made plain divs): the held-out failure class "a page with no
   <title> and no <h1>", measured on real layouts rather than on a page of our own.

2. Our own pages (``pages/``, 38 hand-written pages with a hand-annotated body): a regression
   suite only, NOT a quality figure (the extractor was tuned on them). Printed separately.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
REALPAGES = ROOT.parent / "shared" / "realpages"
HELDOUT = HERE / "heldout"
REPEATS = 3

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")

import trafilatura  # noqa: E402

from newsbot.html.markdown import blocks_to_text  # noqa: E402
from newsbot.html.body import html_to_blocks  # noqa: E402
from newsbot.dates import SHANGHAI, parse_date, to_local  # noqa: E402
from newsbot.extract import extract_article  # noqa: E402
from newsbot.pages.generic.extraction import GenericArticlePage, extract_generic  # noqa: E402
from newsbot.pages.page_input import PageInput  # noqa: E402

FIELDS = ("title", "day", "time", "start", "end", "images")
_NOT_TEXT = ("script", "style", "noscript", "textarea")
TOOLS = ("generic", "newsbot", "trafilatura", "gne")
_WS = re.compile(r"\s+")


def squeeze(text: str | None) -> str:
    return _WS.sub("", text or "")


# --- what each tool says about a page: {"title", "published" (str), "text", "images"} ---------
def as_published(value) -> str | None:
    """``YYYY-MM-DD HH:MM`` (or ``YYYY-MM-DD`` when no time is given), Shanghai time."""
    if value is None:
        return None
    if isinstance(value, str):
        has_time = bool(re.search(r"\d[:：]\d", value))
        value = parse_date(value)
        if value is None:
            return None
    else:
        has_time = True
    local = to_local(value, SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")


def body_of(body, url: str) -> tuple[str, int]:
    if body is None:
        return "", 0
    blocks = html_to_blocks(body, url)
    return blocks_to_text(blocks), sum(1 for b in blocks if b.is_image)


def run_generic(page) -> dict:
    found = extract_generic(page)
    text, images = body_of(found["body"], page.url)
    return {"title": found["title"], "published": as_published(found["published"]), "text": text, "images": images}


def run_newsbot(url: str, raw: bytes, site) -> dict:
    """The full path: the one ``newsbot.extract.extract`` a crawl and ``newsbot extract`` use."""
    from newsbot.extract import extract
    from newsbot.errors import Dropped
    from newsbot.extract import prepare

    article = extract(url, raw, site=site)
    try:
        article = prepare(article)
    except Dropped:
        return {"title": article.title, "published": None, "text": "", "images": 0}
    return {
        "title": article.title, "published": as_published(article.published),
        "text": article.body_text or "", "images": len(article.images),
    }


def run_trafilatura(html: str, url: str) -> dict:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    with_images = trafilatura.bare_extraction(html, url=url, include_images=True, include_comments=False)
    images = len(with_images.body.findall(".//graphic")) if with_images is not None and with_images.body is not None else 0
    if doc is None:
        return {"title": None, "published": None, "text": "", "images": images}
    return {"title": doc.title, "published": as_published(doc.date), "text": doc.text or "", "images": images}


def run_gne(html: str) -> dict:
    from gne import GeneralNewsExtractor

    try:
        found = GeneralNewsExtractor().extract(html)
    except Exception:  # noqa: BLE001 - a baseline's failure is a miss, not a crash
        return {"title": None, "published": None, "text": "", "images": 0}
    return {
        "title": found.get("title"), "published": as_published(found.get("publish_time") or None),
        "text": found.get("content") or "", "images": len(found.get("images") or []),
    }


# --- scoring --------------------------------------------------------------------------------
def score(got: dict, expected: dict) -> dict:
    """Each field: True (right), False (wrong) or None (not applicable to this page)."""
    text = squeeze(got["text"])
    starts = [squeeze(expected["body_first"])] + ([squeeze(expected["body_first_alt"])] if expected.get("body_first_alt") else [])
    want_published = expected["published"] or ""
    got_published = got["published"] or ""
    return {
        "title": squeeze(got["title"]) == squeeze(expected["title"]),
        "day": got_published[:10] == want_published[:10],
        "time": (got_published[:16] == want_published[:16]) if len(want_published) > 10 else None,
        "start": bool(text) and any(text.startswith(start) for start in starts),
        "end": bool(text) and text.endswith(squeeze(expected["body_last"])),
        "images": (got["images"] == expected["images"]) if "images" in expected else None,
    }


def reference_body(html: str, expected: dict) -> str | None:
    """The page's own text from body_first to body_last, in the innermost element holding both."""
    from lxml import html as lxml_html

    first, last = squeeze(expected["body_first"]), squeeze(expected["body_last"])
    root = lxml_html.fromstring(html)
    best = None
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in _NOT_TEXT:
            continue
        text = squeeze("".join(el.xpath(".//text()[not(ancestor::script|ancestor::style|ancestor::noscript)]")))
        start, end = text.find(first), text.rfind(last)
        if start >= 0 and end >= start and (best is None or end + len(last) - start < len(best)):
            best = text[start:end + len(last)]
    return best


def page_text(raw: bytes) -> tuple[str | None, bytes]:
    """The encoding to read a page with: UTF-8 when the bytes are UTF-8 (BOM dropped)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
        return "utf-8", raw
    except UnicodeDecodeError:
        return None, raw


def real_pages(only: str | None, where: Path = REALPAGES):
    for folder in sorted(where.iterdir()):
        expected_path = folder / "expected.json"
        if not expected_path.exists() or (only and not folder.name.startswith(only)):
            continue
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        url = info.get("url") or f"http://{info['host']}/"
        if where is HELDOUT and info.get("url") is None and "." not in info["host"]:
            url = f"http://{info['host']}.example/"  # (GNE's folder name, no real host: no site rules)
        yield folder.name, url, (folder / "page.html").read_bytes(), expected


def without_headline_markup(html: str) -> str:
    """The page with no ``<title>``, no ``og:title`` and its h1–h3 turned into plain divs."""
    html = re.sub(r"(?is)<title[^>]*>.*?</title>", "", html)
    html = re.sub(r"(?is)<meta[^>]+og:title[^>]*>", "", html)
    return re.sub(r"(?i)<(/?)h[1-3]\b", r"<\1div", html)


class TrafilaturaCalls:
    """Counts the pages on which the generic path asks trafilatura for a reference text."""

    def __init__(self):
        from newsbot.pages.generic import body as body_rules

        self.module, self.original, self.count = body_rules, body_rules.reference_text, 0

        def counted(*args, **kwargs):
            self.count += 1
            return self.original(*args, **kwargs)

        body_rules.reference_text = counted


def fastest(call, repeats: int = REPEATS):
    """``(result, seconds)``: the result of the first run, the fastest run's time."""
    best, result = float("inf"), None
    for run in range(repeats):
        started = time.perf_counter()
        got = call()
        best = min(best, time.perf_counter() - started)
        result = got if run == 0 else result
    return result, best


def evaluate_real(only: str | None, verbose: bool, stripped: bool = False,
                  sets: tuple[tuple[str, Path], ...] = ()) -> dict:
    """One table per page set and one over all; ``stripped``: with the headline markup removed.
    Returns the figures of the last table (all sets together)."""
    from lxml import html as lxml_html

    from newsbot.sites import site_for_url

    try:
        import gne  # noqa: F401
    except ImportError:
        sys.exit("GNE is missing: .venv/bin/pip install -e '.[bench]'")
    tools = ("generic", "trafilatura", "gne") if stripped else TOOLS
    rows = []
    calls = TrafilaturaCalls()
    for set_name, where in sets:
        if not where.is_dir():
            continue
        generic_asked = 0
        totals = {tool: Counter() for tool in tools}
        f1_sums, applicable, seconds = Counter(), Counter(), Counter()
        pages = 0
        for name, url, raw, expected in real_pages(only, where):
            pages += 1
            encoding, body = page_text(raw)
            if stripped:
                text = PageInput(url, body, encoding=encoding).text
                body, encoding = without_headline_markup(text).encode("utf-8"), "utf-8"
            html = PageInput(url, body, encoding=encoding).text
            reference = reference_body(html, expected)
            if reference:
                applicable["body F1"] += 1
            runs = {
                "generic": lambda: run_generic(PageInput(url, body, encoding=encoding)),
                "newsbot": lambda: run_newsbot(url, raw, site_for_url(url)),
                "trafilatura": lambda: run_trafilatura(html, url),
                "gne": lambda: run_gne(html),
            }
            _, lxml_seconds = fastest(lambda: lxml_html.fromstring(body))
            seconds["lxml"] += lxml_seconds
            misses = []
            for tool in tools:
                repeats = 1 if stripped or tool == "newsbot" else REPEATS
                asked = calls.count
                if tool == "trafilatura":  # (its image count is a second run: not part of its cost)
                    got = runs[tool]()
                    _, took = fastest(lambda: trafilatura.bare_extraction(
                        html, url=url, with_metadata=True, include_comments=False), repeats)
                else:
                    got, took = fastest(runs[tool], repeats)
                if tool == "generic":
                    generic_asked += (calls.count - asked) / repeats
                seconds[tool] += took
                if reference:
                    f1_sums[tool] += bigram_f1(got["text"], reference)
                for field, ok in score(got, expected).items():
                    if ok is None:
                        continue
                    if tool == "generic":
                        applicable[field] += 1
                    totals[tool][field] += ok
                    if not ok:
                        misses.append((tool, field, got))
            if verbose:
                print(f"== {name}")
                for tool, field, got in misses:
                    shown = {
                        "title": got["title"], "day": got["published"], "time": got["published"],
                        "start": squeeze(got["text"])[:30], "end": squeeze(got["text"])[-30:], "images": got["images"],
                    }[field]
                    want = {
                        "title": expected["title"], "day": expected["published"], "time": expected["published"],
                        "start": squeeze(expected["body_first"]), "end": squeeze(expected["body_last"]),
                        "images": expected.get("images"),
                    }[field]
                    print(f"   {tool:11} {field:6} got {shown!r}  want {want!r}")
        rows.append((set_name, pages, totals, f1_sums, applicable, seconds, round(generic_asked)))
    if len(rows) > 1:
        merged = ("all real pages", sum(r[1] for r in rows), {t: sum((r[2][t] for r in rows), Counter()) for t in tools},
                  sum((r[3] for r in rows), Counter()), sum((r[4] for r in rows), Counter()),
                  sum((r[5] for r in rows), Counter()), sum(r[6] for r in rows))
        rows.append(merged)
    for set_name, pages, totals, f1_sums, applicable, seconds, traf_calls in rows:
        print()
        what = "with no <title>, no og:title and h1-h3 made divs" if stripped else "(right / applicable)"
        print(f"{set_name}: {pages} articles {what}")
        print(f"{'field':10}" + "".join(f"{tool:>13}" for tool in tools))
        for field in FIELDS:
            n = applicable[field]
            if n:
                print(f"{field:10}" + "".join(f"{totals[tool][field]:>8}/{n:<4}" for tool in tools))
        n = applicable["body F1"]
        print(f"{'body F1':10}" + "".join(f"{f1_sums[tool] / max(n, 1):>13.3f}" for tool in tools) + f"   ({n} pages)")
        n = applicable["day"]
        print(f"{'day right':10}" + "".join(f"{totals[tool]['day'] / max(n, 1):>13.3f}" for tool in tools))
        if not stripped:
            lxml_ms = seconds["lxml"] / max(pages, 1) * 1000
            print(f"{'ms / page':10}" + "".join(f"{seconds[tool] / max(pages, 1) * 1000:>13.1f}" for tool in tools)
                  + f"   (bare lxml.html.fromstring {lxml_ms:.2f} ms)")
            print(f"{'x lxml':10}" + "".join(f"{seconds[tool] / max(seconds['lxml'], 1e-9):>13.1f}" for tool in tools))
            print(f"generic asked trafilatura for a reference text on {traf_calls} of {pages} pages")
    return rows[-1] if rows else {}


# --- our own pages: regression only ---------------------------------------------------------
def bigrams(text: str) -> Counter:
    text = squeeze(text)
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def bigram_f1(predicted: str, gold: str) -> float:
    p, g = bigrams(predicted), bigrams(gold)
    if not p and not g:
        return 1.0
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def own_pages(only: str | None = None):
    """``(name, body F1, day right)`` of each hand-written page, by the generic extractor."""
    for path in sorted((HERE / "pages").glob("*.html")):
        if only and not path.stem.startswith(only):
            continue
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        found = run_generic(PageInput(gold["url"], path.read_bytes()))
        yield path.stem, bigram_f1(found["text"], gold["body"]), (found["published"] or "")[:10] == gold["published"]


def evaluate_own(only: str | None, verbose: bool) -> None:
    rows = list(own_pages(only))
    if not rows:
        return
    print()
    print(f"Our own pages ({len(rows)} in bench/generic/pages) — regression only, not a quality figure")
    for name, f1, day_ok in rows:
        if verbose or f1 < 0.9 or not day_ok:
            print(f"   {name:32} body F1 {f1:.3f}  day {'ok' if day_ok else 'WRONG'}")
    mean_f1 = sum(r[1] for r in rows) / len(rows)
    days = sum(r[2] for r in rows)
    print(f"   body F1 {mean_f1:.3f}, day right {days}/{len(rows)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss, page by page")
    parser.add_argument("--only", metavar="PREFIX", help="only the pages whose name starts with PREFIX")
    args = parser.parse_args(argv)
    sets = (("shared/realpages", REALPAGES), ("bench/generic/heldout", HELDOUT))
    if not REALPAGES.is_dir():
        print(f"no real pages at {REALPAGES}: only {HELDOUT} is read")
    evaluate_real(args.only, args.verbose, sets=sets)
    evaluate_real(args.only, args.verbose, stripped=True, sets=sets)
    evaluate_own(args.only, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
