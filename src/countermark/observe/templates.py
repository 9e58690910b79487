"""A web shop's template: a structural fingerprint of the frame its pages are drawn in.

Operators of counterfeit-shop networks build one site and deploy it again and again: the same theme with
the same customisations, stylesheets and scripts, around different products. Investigators tie such
shops by the template even when every name, e-mail and payment account differs. The fingerprint here
keeps only the page's structure outside its main content:

- the stylesheets and scripts it loads (paths only: the host, query and fragment are dropped, so one
  theme served from two domains or at two versions is one template);
- every layout element (`LAYOUT_TAGS`: body, header, footer, nav, div, section…) outside `<main>` (or
  `role="main"`) that contains other elements, written as its tag, its sorted classes and its id.
  Leaves and text-level elements (a paragraph of contact details, a link, a line break) come and go
  with the content.

Text, attribute values, inline scripts (analytics ids are evidence of their own) and the main content
are left out. The tokens form a set, so how many products or links a page shows does not matter. The
value is the first 16 hex digits of the SHA-256 of the sorted tokens, or nothing when the frame has
fewer than `MIN_TOKENS` (a bare page says nothing of who built it).

Pure: no database, no files, no network. HTML is parsed by lxml, which recovers from malformed pages as
browsers do.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

MIN_TOKENS = 6
LAYOUT_TAGS = frozenset(
    {"body", "header", "footer", "nav", "aside", "section", "article", "div", "form", "ul", "ol", "table"}
)
MAX_PAGE = 2_000_000  # characters of a page read for its structure
def _asset(reference: str | None) -> str | None:
    if not reference or not reference.strip():
        return None
    try:
        path = urlsplit(reference.strip()).path
    except ValueError:
        return None
    return path.lower() or None


def _container(element: etree._Element) -> str:
    tag = str(element.tag).lower()
    classes = sorted(set((element.get("class") or "").split()))
    ident = (element.get("id") or "").strip()
    return tag + "".join(f".{c}" for c in classes) + (f"#{ident}" if ident else "")


def template_tokens(page: str) -> frozenset[str]:
    """The structural tokens of a page's frame (see the module's description)."""
    if not page or not page.strip():
        return frozenset()
    try:
        root = lxml.html.document_fromstring(page[:MAX_PAGE])
    except (etree.ParserError, ValueError):
        return frozenset()
    for main in root.xpath("//main | //*[@role='main']"):
        if main.getparent() is not None:
            main.drop_tree()
    tokens: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = element.tag.lower()
        if tag == "link" and "stylesheet" in (element.get("rel") or "").lower().split():
            if (path := _asset(element.get("href"))) is not None:
                tokens.add(f"css:{path}")
        elif tag == "script":
            if (path := _asset(element.get("src"))) is not None:
                tokens.add(f"js:{path}")
        elif tag in LAYOUT_TAGS and any(isinstance(child.tag, str) for child in element):
            tokens.add(_container(element))
    return frozenset(tokens)


def page_template(page: str) -> str | None:
    """The template fingerprint of a page, or None when its frame is too bare to tell."""
    tokens = template_tokens(page)
    if len(tokens) < MIN_TOKENS:
        return None
    return hashlib.sha256("\n".join(sorted(tokens)).encode("utf-8")).hexdigest()[:16]
