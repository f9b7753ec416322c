"""HTML to content: what in a page's markup is the article, and its safe forms.

- ``tree.py``      helpers over an lxml tree (fragments, deep nesting, hidden elements)
- ``links.py``     link and image URLs as a browser resolves them, safe schemes only
- ``body.py``      the body walk: paragraphs and images (``Block``) and clean HTML at once
- ``markdown.py``  blocks as Markdown, text and summary; Markdown escaping
- ``sanitise.py``  the clean HTML's allow-list
- ``charset.py``   GBK/GB18030 pages with a missing or wrong charset
"""
