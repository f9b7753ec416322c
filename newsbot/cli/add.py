"""``newsbot add``: a campus.yaml entry proposed (or appended) from one list page."""

from __future__ import annotations

from pathlib import Path

from newsbot.cli.common import project_settings
from newsbot.crawl import values
from newsbot.errors import ConfigError, SiteUnreachable

def cmd_add(args) -> int:
    """Propose (or append) the campus.yaml entry for the site of one list page."""
    import time

    import urllib.error

    from newsbot.cli.onboard import NotAList, append_entry, fetch, propose, read_article

    user_agent = project_settings().get("USER_AGENT")
    offline = args.page is not None and args.fixtures is None
    try:
        body = Path(args.page).read_bytes() if args.page else fetch(args.url, args.fixtures, user_agent)
        proposal = propose(args.url, body, name=args.name, column_name=args.column_name,
                           display_name=args.display_name)
    except (urllib.error.HTTPError, NotAList, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:  # the site did not answer
        raise SiteUnreachable(f"{args.url}: {getattr(exc, 'reason', exc)}") from None
    print(f"{args.url}: {proposal.family or 'no'} family, {len(proposal.articles)} article links, "
          f"next list page {proposal.next_page or 'none'}")
    for url in proposal.articles:
        print(f"  {url}")
    if offline:
        print("articles not read: a saved list page and no --fixtures (give --fixtures DIR, or no --page for the live site)")
    else:
        from newsbot.sites import get_site

        site = get_site(proposal.name)
        rules = f"the {proposal.family} rules" if proposal.family else "the entry's rules"
        print(f"first {min(args.articles, len(proposal.articles))} articles, read with {rules}:")
        for number, url in enumerate(proposal.articles[: args.articles]):
            if number and args.fixtures is None:
                time.sleep(project_settings().getfloat("DOWNLOAD_DELAY"))  # the crawl's politeness
            try:
                article = read_article(site, url, fetch(url, args.fixtures, user_agent))
            except Exception as exc:  # one unreadable article: show why, go on with the next
                print(f"  {url}: not read: {exc}")
                continue
            reader = "family rules" if article.extractor == "site" else "generic FALLBACK: add selectors"
            print(f"  [{reader}] {article.published.strftime('%Y-%m-%d %H:%M') if article.published else 'no date'}"
                  f"  {article.title}  ({len(article.body_text or '')} characters)")
    for note in proposal.notes:
        print(f"note: {note}")
    if args.append:
        if proposal.known_site:
            raise ConfigError(f"not appended: {proposal.notes[0]}")
        try:
            append_entry(Path(args.append), proposal)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        print(f"appended site {proposal.name} to {args.append}: "
              f"scrapy crawl campus -a site={proposal.name} -s NEWSBOT_SITES_FILE={args.append}")
    else:
        print("campus.yaml entry (check display_name and the column's name and code):")
        print(proposal.yaml(), end="")
    return 0


def add_parsers(sub) -> None:
    add = sub.add_parser("add", help="propose the campus.yaml entry for a site from one list page")
    add.add_argument("url", type=values.http_url, help="a column (list) page of the site")
    add.add_argument("--page", default=None, type=values.existing_file, help="the list page saved to a file (no network)")
    add.add_argument("--fixtures", default=None, type=values.existing_dir,
                     help="read the pages from these fixtures (newsbot record's layout)")
    add.add_argument("--articles", type=values.count_or_zero, default=3,
                     help="read this many of the listed articles (default 3)")
    add.add_argument("--name", default=None, type=values.name, help="the site's key (default: from the host)")
    add.add_argument("--display-name", default=None, type=values.text,
                     help="the site's display name, {source} in docs/format.md (default: from the page title)")
    add.add_argument("--column-name", default=None, type=values.text,
                     help="the column's name (default: from the page title)")
    add.add_argument("--append", default=None, metavar="FILE", type=values.new_file,
                     help="append the entry to this sites file")
    add.add_argument("--sites-file", default=None, type=values.sites_file,
                     help="also read this sites file (campus.yaml format)")
    add.set_defaults(func=cmd_add)
