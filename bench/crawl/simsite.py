"""A simulated news.nankai.edu.cn: N articles over the four default columns, in the real
URL and pagination scheme, built from the real page templates in ``fixtures/nankai``.

    python bench/crawl/simsite.py --n 1000 [--new 20] [--port 8080]

prints ``port <P>`` once it listens. Control (not counted as site traffic):
``GET /__bench/stats`` (JSON counters, server CPU), ``/__bench/reset``, ``/__bench/set?n=&new=``.

The site (docs/sites-html.md, fixtures/nankai/README.md):
- article i (0 = oldest) is in column ``COLUMNS[i % 4]``, published ``START + i * STEP``,
  at ``/{column}/system/YYYY/MM/DD/{030000000 + i}.shtml``; ``--new K`` adds K articles
  after the N, newer than all of them (as if published since the last run);
- each column lists its articles ``PAGE_SIZE`` to a page, newest first: ``/{column}/index.shtml``
  then ``…/system/count//{code}/000000000000/000/000/c{code}000000000000_{k:09d}.shtml``
  counting down to k = 1, the oldest. Numbered pages are fixed chunks from the oldest
  article (k = 1 holds the column's first PAGE_SIZE), the index holds the rest, so new
  articles land on the index and, once it is full, a new numbered page appears;
- article pages are the real ECMS template (~20 KB) with the fixtures' paragraphs
  recombined; ``robots.txt`` allows everything.

Pages are assembled from pre-encoded pieces (a bytes join per request), so serving costs
microseconds; ``python bench/crawl/run.py`` measures the server alone to show it.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import random
import re
import resource
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "nankai" / "news.nankai.edu.cn"
HOST = "news.nankai.edu.cn"

# (code, pagination code, name); zhxw's code is a guess, as in the fixtures.
COLUMNS = (("ywsd", "0003000", "南开要闻"), ("zhxw", "0004000", "综合新闻"),
           ("mtnk", "0006000", "媒体南开"), ("nkrw", "0008000", "南开人物"))
PAGE_SIZE = 20
START = datetime(2006, 1, 4, 8, 0)
STEP = timedelta(minutes=97)  # 100k articles span ~18 years
FIRST_ID = 30_000_000
BODY_VARIANTS = 64
BODY_BYTES = 11_500  # body paragraphs per page; with the template a page is ~20 KB
OUTLETS = ("人民日报", "光明日报", "天津日报", "新华社", "中国教育报", "今晚报")

ARTICLE_PATH = re.compile(r"^/(\w+)/system/(\d{4})/(\d{2})/(\d{2})/(\d{9})\.shtml$")
LIST_PATH = re.compile(r"^/(\w+)/system/count/+(\d{7})/0{12}/000/000/c\d{7}0{12}_(\d{9})\.shtml$")
INDEX_PATH = re.compile(r"^/(\w+)/index\.shtml$")


def article_url(i: int) -> str:
    code = COLUMNS[i % len(COLUMNS)][0]
    return f"https://{HOST}/{code}/system/{published(i):%Y/%m/%d}/{FIRST_ID + i:09d}.shtml"


def published(i: int) -> datetime:
    return START + i * STEP


def list_path(code: str, number: str, k: int) -> str:
    return f"/{code}/system/count//{number}/000000000000/000/000/c{number}000000000000_{k:09d}.shtml"


class Templates:
    """The fixture pages cut into pre-encoded pieces around what varies per page."""

    def __init__(self, fixtures: Path = FIXTURES):
        texts = {p: p.read_text(encoding="utf-8") for p in sorted(fixtures.glob("*/system/2*/*/*/*.shtml"))}
        self.titles = [html.unescape(re.search(r"<title>(.*?)-", t).group(1)) for t in texts.values()]
        paragraphs = []
        for text in texts.values():
            paragraphs += re.findall(r'<p style="text-align:left">　　.*?</p>', text)
        images = []
        for text in texts.values():
            images += re.findall(r'<div align="center"><img [^>]*/></div>\n<p style="text-align: center;">.*?</p>', text)
        rng = random.Random(9)
        self.bodies = []
        for _ in range(BODY_VARIANTS):
            parts, size = [], 0
            while size < BODY_BYTES:
                part = rng.choice(paragraphs) if len(parts) % 9 != 4 else rng.choice(images)
                parts.append(part)
                size += len(part.encode())
            self.bodies.append("\n".join(parts).encode())
        self.article = self._article_pieces(texts[fixtures / "ywsd/system/2023/05/18/030056201.shtml"])
        self.lists = {code: self._list_pieces((fixtures / code / "index.shtml").read_text(encoding="utf-8"))
                      for code, _, _ in COLUMNS}

    @staticmethod
    def _split(text: str, names: list[str]) -> list[bytes]:
        pieces = re.split("|".join(re.escape("{" + n + "}") for n in names), text)
        assert len(pieces) == len(names) + 1, names
        return [p.encode() for p in pieces]

    def _article_pieces(self, text: str) -> list[bytes]:
        text = re.sub(r"<title>.*?</title>", "<title>{title}-{column}-南开大学</title>", text)
        text = re.sub(r'(<meta name="description" content=")[^"]*', r"\1{title}", text)
        text = text.replace("/ywsd/index.shtml\">南开要闻</a></td>", "{breadcrumb}</a></td>")
        text = re.sub(r"(font-family:'微软雅黑';\">)[^<]*(</td>)", r"\1{title}\2", text, count=1)
        text = re.sub(r"来源： [^<]*", "来源： {outlet}", text)
        text = re.sub(r"发稿时间：[^<]*", "发稿时间：{published}", text)
        text = re.sub(r'(id="txt">\n).*?(<!--ecms sync check)', r"\1{lead}{body}\n\2", text, flags=re.S)
        text = text.replace("030056201", "{id}")
        return self._split(text, ["title", "column", "title", "breadcrumb", "title", "outlet",
                                  "published", "lead", "body", "id", "id"])

    def _list_pieces(self, text: str) -> list[bytes]:
        text = re.sub(r'<table width="100%"[^>]*background:#f7f7f7;">.*?</table>\n\s*', "", text, flags=re.S)
        text = re.sub(r"(<!-- 列表 begin -->\n).*?(\s*<!-- 列表 end -->)", r"\1{rows}\2", text, flags=re.S)
        text = re.sub(r'(class="page"[^>]*>).*?(</td>)', r"\1{pager}\2", text, flags=re.S)
        return self._split(text, ["rows", "pager"])


class Site:
    def __init__(self, n: int, new: int = 0, templates: Templates | None = None):
        self.templates = templates or Templates()
        self.set(n, new)
        self.reset()

    def set(self, n: int, new: int = 0) -> None:
        self.n, self.new = n, new
        self.total = n + new
        self.list_cache: dict[str, bytes] = {}

    def reset(self) -> None:
        self.counts = {"robots": 0, "list": 0, "article": 0, "other": 0}
        self.first_at: dict[str, float] = {}  # kind -> time.time() of its first request
        self.last_at: dict[str, float] = {}

    def stats(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"n": self.n, "new": self.new, "requests": sum(self.counts.values()), "counts": self.counts,
                "first_request_at": min(self.first_at.values(), default=None),
                "first_at": self.first_at, "last_at": self.last_at,
                "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}

    # --- pages --------------------------------------------------------------------------
    def respond(self, path: str) -> tuple[str, int, bytes]:
        """(kind, status, body) for a request path; kind is what the counters count."""
        if path == "/robots.txt":
            return "robots", 200, b"User-agent: *\nDisallow:\n"
        path = re.sub("/{2,}", "/", path)
        match = ARTICLE_PATH.match(path)
        if match:
            i = int(match.group(5)) - FIRST_ID
            if 0 <= i < self.total and article_url(i).endswith(path):
                return "article", 200, self.article_page(i)
            return "article", 404, b"not found"
        match = INDEX_PATH.match(path) or LIST_PATH.match(path)
        if match:
            page = self.list_cache.get(path)
            if page is None:
                page = self.list_page(match.group(1), int(match.group(3)) if match.re is LIST_PATH else None)
                if page is not None:
                    self.list_cache[path] = page
            if page is not None:
                return "list", 200, page
        return "other", 404, b"not found"

    def title(self, i: int) -> str:
        titles = self.templates.titles
        return f"{titles[i % len(titles)]}（{i // len(titles) + 1}）"

    def article_page(self, i: int) -> bytes:
        t = self.templates
        code, _, name = COLUMNS[i % len(COLUMNS)]
        title = self.title(i)
        outlet = OUTLETS[i % len(OUTLETS)] if code == "mtnk" else "南开大学新闻网"
        lead = (f'<p style="text-align:left">　　<strong>南开新闻网讯</strong>&nbsp;（通讯员&nbsp;张{i % 97}）'
                f"{html.escape(title)}。本文是模拟站点的第{i}篇文章。</p>\n")
        title = html.escape(title)
        values = [title, name, title, f'/{code}/index.shtml">{name}', title, outlet,
                  f"{published(i):%Y-%m-%d %H:%M}", lead]
        pieces = t.article
        out = [pieces[0]]
        for piece, value in zip(pieces[1:9], values):
            out += [value.encode(), piece]
        ident = f"{FIRST_ID + i:09d}".encode()
        out += [t.bodies[i % len(t.bodies)], pieces[9], ident, pieces[10], ident, pieces[11]]
        return b"".join(out)

    def column_articles(self, c: int) -> range:
        """Article numbers of column c, oldest first."""
        return range(c, self.total, len(COLUMNS))

    def pages(self, c: int) -> int:
        """How many list pages column c has: the index and pages - 1 numbered ones."""
        return max(1, -(-len(self.column_articles(c)) // PAGE_SIZE))

    def paths(self) -> list[str]:
        """Every list page and article page path (the server-alone load test)."""
        paths = []
        for c, (code, number, _) in enumerate(COLUMNS):
            paths.append(f"/{code}/index.shtml")
            paths += [list_path(code, number, k) for k in range(1, self.pages(c))]
        return paths + [article_url(i)[len(f"https://{HOST}"):] for i in range(self.total)]

    def list_page(self, code: str, k: int | None) -> bytes | None:
        """The index (k None) or numbered page k of a column; None if there is no such page."""
        c = next((c for c, col in enumerate(COLUMNS) if col[0] == code), None)
        if c is None:
            return None
        number = COLUMNS[c][1]
        articles = self.column_articles(c)
        pages = self.pages(c)
        if k is None:
            k = pages
        elif not 1 <= k < pages:
            return None
        chunk = articles[(k - 1) * PAGE_SIZE: k * PAGE_SIZE if k < pages else len(articles)]
        rows = []
        for n, i in enumerate(reversed(chunk)):
            url = article_url(i)
            href = url[len(f"https://{HOST}"):] if n % 7 == 3 else url  # some root-relative, as on the site
            title = html.escape(self.title(i))
            rows.append(
                '          <tr>\n            <td height="38" style="border-bottom:1px dashed #dddddd; padding-left:8px;">'
                '<div style="float:left; width:560px; overflow:hidden; white-space:nowrap; font-size:14px;">'
                '<img src="/images/list_dot.gif" width="5" height="5" align="absmiddle" />&nbsp;&nbsp;'
                f'<a href="{href}" target="_blank">{title}</a></div></td>\n'
                '            <td width="100" align="right" style="border-bottom:1px dashed #dddddd; color:#999999; '
                f'font-size:13px; padding-right:8px;">{published(i):%Y-%m-%d}</td>\n          </tr>')
        shown = pages - k + 1  # the index is page 1 of the pager, the oldest numbered page the last

        def link(page: int) -> str:
            return f"/{code}/index.shtml" if page == pages else list_path(code, number, page)

        newer = f'<a href="{link(k + 1)}">上一页</a>' if k < pages else '<span style="color:#aaaaaa;">上一页</span>'
        older = f'<a href="{link(k - 1)}">下一页</a>' if k > 1 else '<span style="color:#aaaaaa;">下一页</span>'
        pager = (f"共{pages}页&nbsp;&nbsp;当前第{shown}页&nbsp;&nbsp;&nbsp;<a href=\"/{code}/index.shtml\">首页</a>"
                 f"&nbsp;&nbsp;{newer}&nbsp;&nbsp;{older}&nbsp;&nbsp;<a href=\"{link(1)}\">尾页</a>")
        pieces = self.templates.lists[code]
        return b"".join([pieces[0], "\n".join(rows).encode(), pieces[1], pager.encode(), pieces[2]])


# --- HTTP ------------------------------------------------------------------------------------
class Server:
    """HTTP/1.1 with keep-alive on asyncio: just enough for Scrapy and the load client."""

    def __init__(self, site: Site):
        self.site = site

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                status, body, ctype = self.answer(target)
                close = b"connection: close" in head.lower()
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
                    status, b"OK" if status == 200 else b"Not Found", ctype, len(body),
                    b"Connection: close\r\n" if close else b"") + body)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    def answer(self, target: str) -> tuple[int, bytes, bytes]:
        url = urlsplit(target)
        if url.path.startswith("/__bench/"):
            return self.control(url.path, parse_qs(url.query))
        kind, status, body = self.site.respond(url.path)
        now = time.time()
        self.site.counts[kind] += 1
        self.site.first_at.setdefault(kind, now)
        self.site.last_at[kind] = now
        ctype = b"text/plain" if kind == "robots" else b"text/html; charset=utf-8"
        return status, body, ctype

    def control(self, path: str, query: dict) -> tuple[int, bytes, bytes]:
        if path == "/__bench/set":
            self.site.set(int(query["n"][0]), int(query.get("new", ["0"])[0]))
        elif path == "/__bench/reset":
            self.site.reset()
        elif path != "/__bench/stats":
            return 404, b"unknown control", b"text/plain"
        return 200, json.dumps(self.site.stats()).encode(), b"application/json"

    async def serve(self, port: int, announce=print) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", port, backlog=512)
        announce(f"port {server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles on the site")
    parser.add_argument("--new", type=int, default=0, help="articles added on top (newer than the N)")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args(argv)
    asyncio.run(Server(Site(args.n, args.new)).serve(args.port))


if __name__ == "__main__":
    main()
