"""Evaluate the generic (fallback) extractor on the hand-annotated pages in ``pages/``.

    python bench/generic/evaluate.py                  # every page, both splits reported
    python bench/generic/evaluate.py --split tune     # only the pages used while tuning
    python bench/generic/evaluate.py --split heldout  # only the held-out pages
    python bench/generic/evaluate.py -v 07            # show the diff of texts for pages 07*

Each ``pages/NN_name.html`` (the server's bytes; some GBK) has ``NN_name.json`` with
``url``, ``published`` (YYYY-MM-DD) and ``body`` (the article text as annotated by hand).
Pages listed in ``heldout.txt`` were written before tuning and not looked at while tuning.

Scores: body = F1 of character bigrams (multiset) of the body text with all whitespace
removed; date = the publication DAY (Asia/Shanghai) is right. newsbot's body text is what
the pipeline writes: ``blocks_to_text(html_to_blocks(body, url))``. Baselines in the same
run: plain trafilatura (``trafilatura.extract`` text, ``extract_metadata`` date) and
htmldate (``find_date(..., extensive_search=True, original_date=True)``).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import logging  # noqa: E402

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")

import htmldate  # noqa: E402
import trafilatura  # noqa: E402

from newsbot.body import blocks_to_text, html_to_blocks  # noqa: E402
from newsbot.dates import SHANGHAI, to_local  # noqa: E402
from newsbot.generic import GenericArticlePage  # noqa: E402
from newsbot.extract import extract_article  # noqa: E402
from newsbot.pages import make_response  # noqa: E402

PAGES = HERE / "pages"
_WS = re.compile(r"\s+")


def bigrams(text: str) -> Counter:
    text = _WS.sub("", text or "")
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def bigram_f1(predicted: str, gold: str) -> float:
    p, g = bigrams(predicted), bigrams(gold)
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def day_of(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value[:10]
    return to_local(value, SHANGHAI).date().isoformat()


def run_newsbot(response) -> tuple[str, str | None]:
    article = extract_article(GenericArticlePage(response))
    text = blocks_to_text(html_to_blocks(article.body_html, response.url)) if article.body_html else ""
    return text, day_of(article.published)


def run_trafilatura(html: str, url: str) -> tuple[str, str | None]:
    text = trafilatura.extract(html, url=url) or ""
    meta = trafilatura.extract_metadata(html, default_url=url)
    return text, (meta.date[:10] if meta is not None and meta.date else None)


def run_htmldate(html: str, url: str) -> str | None:
    try:
        return htmldate.find_date(html, url=url, extensive_search=True, original_date=True)
    except Exception:  # noqa: BLE001 - a baseline's failure is a miss, not a crash
        return None


def load(split: str, only: str | None):
    heldout = set((HERE / "heldout.txt").read_text(encoding="utf-8").split())
    for path in sorted(PAGES.glob("*.html")):
        name = path.stem
        if only and not name.startswith(only):
            continue
        page_split = "heldout" if name in heldout else "tune"
        if split != "all" and page_split != split:
            continue
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        yield name, page_split, path.read_bytes(), gold


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("all", "tune", "heldout"), default="all")
    parser.add_argument("-v", "--verbose", metavar="PREFIX", help="print a text diff for pages starting with PREFIX")
    args = parser.parse_args(argv)

    rows = []
    started = time.perf_counter()
    for name, split, raw, gold in load(args.split, args.verbose):
        response = make_response(gold["url"], raw)
        nb_text, nb_day = run_newsbot(response)
        tf_text, tf_day = run_trafilatura(response.text, gold["url"])
        hd_day = run_htmldate(response.text, gold["url"])
        rows.append({
            "name": name, "split": split,
            "nb_f1": bigram_f1(nb_text, gold["body"]), "nb_date": nb_day == gold["published"], "nb_day": nb_day,
            "tf_f1": bigram_f1(tf_text, gold["body"]), "tf_date": tf_day == gold["published"], "tf_day": tf_day,
            "hd_date": hd_day == gold["published"], "hd_day": hd_day, "gold_day": gold["published"],
        })
        if args.verbose:
            print(f"===== {name}: newsbot F1 {rows[-1]['nb_f1']:.3f}, day {nb_day} (gold {gold['published']})")
            gold_lines = [_WS.sub("", line) for line in gold["body"].splitlines() if line.strip()]
            got_lines = [_WS.sub("", line) for line in nb_text.splitlines() if line.strip()]
            for line in difflib.unified_diff(gold_lines, got_lines, "gold", "newsbot", n=0, lineterm=""):
                print(line)
    if not rows:
        print("no pages")
        return 1

    mark = lambda ok: "ok" if ok else "--"  # noqa: E731
    print(f"{'page':32} {'split':7} | {'newsbot F1':>10} {'day':>12} | {'trafil. F1':>10} {'day':>12} | {'htmldate':>12} | gold day")
    for r in rows:
        print(
            f"{r['name']:32} {r['split']:7} | {r['nb_f1']:10.3f} {str(r['nb_day'])[:10]:>10} {mark(r['nb_date'])} |"
            f" {r['tf_f1']:10.3f} {str(r['tf_day'])[:10]:>10} {mark(r['tf_date'])} |"
            f" {str(r['hd_day'])[:10]:>10} {mark(r['hd_date'])} | {r['gold_day']}"
        )
    print()
    for split in ("tune", "heldout", "all"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        if not chosen:
            continue
        n = len(chosen)
        mean = lambda key: sum(r[key] for r in chosen) / n  # noqa: E731
        print(
            f"{split:8} ({n:2} pages)  newsbot: body F1 {mean('nb_f1'):.3f}, date {mean('nb_date'):.0%}"
            f"   | trafilatura: body F1 {mean('tf_f1'):.3f}, date {mean('tf_date'):.0%}"
            f"   | htmldate: date {mean('hd_date'):.0%}"
        )
    print(f"({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
