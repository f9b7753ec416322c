"""One generic extraction of a page: the rules of title.py, body.py, cleanup.py and
dates.py run over one working copy of the page, each field computed once, on demand."""

from __future__ import annotations

import copy
from datetime import datetime
from functools import cached_property

from newsbot.html import media
from newsbot.pages.base import ArticlePage, compiled_xpath
from newsbot.pages.page_input import PageInput
from newsbot.text import clean_text
from newsbot.urls import join_url
from newsbot.pages.generic import body as body_rules
from newsbot.pages.generic import dates as date_rules
from newsbot.pages.generic import title as title_rules
from newsbot.pages.generic.cleanup import absolute_images, clean_body, is_noise_container
from newsbot.pages.generic.tree import TextLengths, preclean, squeeze, text_of


class GenericExtraction:
    """The generic reading of one page. The page is copied once (comments, scripts,
    hidden elements and control characters removed) and every rule runs over that copy;
    ``title``, ``published``, ``body`` and ``outlet`` are computed on first use."""

    def __init__(self, page: PageInput):
        self.input = page
        self.url = page.url
        self.document = page.root  # the page as parsed (read only)
        self.doc = copy.deepcopy(self.document)  # the working copy the rules edit
        base = compiled_xpath("//base/@href")(self.document)
        self.base_url = join_url(self.url, base[0] if base else "") or self.url
        body = self.doc.find(".//body")
        self.root = body if body is not None else self.doc
        preclean(self.root, self.base_url)

    # --- title --------------------------------------------------------------------------
    @cached_property
    def head_title(self) -> str:
        return title_rules.head_title(self.document)

    @cached_property
    def og_title(self) -> str:
        return title_rules.og_title(self.document)

    @cached_property
    def title_element(self):
        """The element stating the headline: the one matching <title>/og:title or a heading;
        when none does (no <title>, or one that only names the site), the line above the body."""
        found = title_rules.title_element(self.root, self.head_title, self.og_title, self.lengths)
        return found if found is not None else title_rules.headline_above(self.root, self.container)

    @cached_property
    def title(self) -> str | None:
        return title_rules.title_text(self.title_element, self.head_title, self.og_title)

    # --- body ---------------------------------------------------------------------------
    @cached_property
    def reference_text(self) -> str:
        return body_rules.reference_text(self.input.text, self.url)

    @cached_property
    def density(self) -> body_rules.Density:
        return body_rules.Density(self.root, self.lengths)

    @cached_property
    def lengths(self) -> TextLengths:
        return TextLengths(self.root)

    @cached_property
    def container(self):
        chosen = self.density.best()
        if body_rules.clear_choice(self.density, chosen, is_noise_container):
            return chosen  # (trafilatura not asked: see body.py)
        return body_rules.choose_container(self.root, self.density, self.reference_text)

    @cached_property
    def body(self):
        """A cleaned copy of the article's container (an lxml element), or None."""
        container = self.container
        if container is None:
            return None
        before, after = body_rules.continuing_siblings(container, self.density, is_noise_container)
        body = body_rules.assemble_body(self.root, container, before, after)
        clean_body(body, self.title)
        absolute_images(body, self.base_url)
        if not squeeze(text_of(body)) and body.find(".//img") is None:
            return None
        return body

    # --- attachments and videos ----------------------------------------------------------
    @cached_property
    def attachments(self) -> tuple[list[dict], list[dict]]:
        """Read at the container in the working copy, where the list a CMS puts after the
        body (VSB's 附件【…】) still stands beside it: (the body's own, those after it)."""
        return media.split_attachments(self.container, self.base_url) if self.body is not None else ([], [])

    @cached_property
    def videos(self) -> list[dict]:
        """The body keeps an empty <video> where a player stood (preclean); the page's
        scripts are read in the page as parsed."""
        if self.body is None:
            return []
        scripts = self.document if media.VIDEO_FILE_BYTES.search(self.input.body) else None
        return media.videos(self.body, scripts, self.base_url)

    # --- date ---------------------------------------------------------------------------
    def date_candidates(self) -> list[date_rules.DateCandidate]:
        return date_rules.date_candidates(
            self.root, self.document, self.input.text, self.url, self.title_element, self.container
        )

    @cached_property
    def published(self) -> datetime | None:
        return date_rules.choose_published(self.date_candidates())

    # --- outlet -------------------------------------------------------------------------
    @cached_property
    def outlet(self) -> str | None:
        pattern = ArticlePage.outlet_pattern
        for text in compiled_xpath(
            "//body//text()[contains(., '来源')][not(ancestor::script) and not(ancestor::style)]"
        )(self.document):
            match = pattern.search(clean_text(text))
            if match:
                return match.group(1)
        return None


def extract_generic(page: PageInput) -> dict:
    """``{"title", "published", "body", "attachments", "videos"}`` of any news page, as the
    generic rules read it (body: an lxml element, not yet finished, or None)."""
    extraction = GenericExtraction(page)
    return {"title": extraction.title, "published": extraction.published, "body": extraction.body,
            "attachments": extraction.attachments, "videos": extraction.videos}


class GenericArticlePage(ArticlePage):
    """An article page on a host without configuration: everything the generic way."""

    @cached_property
    def generic(self) -> GenericExtraction:
        return GenericExtraction(self.input)

    def title(self) -> str | None:
        return self.generic.title

    def published(self) -> datetime | None:
        return self.generic.published

    def body(self):
        return self.generic.body

    def attachments(self, body) -> tuple[list[dict], list[dict]]:
        return self.generic.attachments

    def videos(self, body) -> list[dict]:
        return self.generic.videos

    def outlet(self) -> str | None:
        return super().outlet() or self.generic.outlet
