"""The generic (fallback) article extractor: title, publication time and body of a news page
on a host newsbot has no configuration for, or whose own selectors found no body.

One module per rule, in the manner of trafilatura's layout:

- ``title.py``   the headline element and text;
- ``body.py``    the container: trafilatura's reference text and a Chinese density score;
- ``cleanup.py`` page chrome removed from the chosen container;
- ``dates.py``   publication-time candidates and the choice among them;
- ``tree.py``    small helpers over an lxml tree;
- ``extraction.py`` one extraction of a response, running the rules above once each.
"""

from newsbot.pages.generic.cleanup import is_chrome_line
from newsbot.pages.generic.extraction import GenericArticlePage, GenericExtraction, extract_generic

__all__ = ["GenericArticlePage", "GenericExtraction", "extract_generic", "is_chrome_line"]
