"""The domains a page is served under: a web shop's own, and those whose addresses redirected to it.

An operator that loses a shop (taken down, abandoned for a fresh name) points its domain at another of
its shops; a crawl that asks for the old address lands on the new one and records the chain
(`monitor.spider`). Each domain of the chain other than the final page's becomes a `site_domain` of the
page, as the shop's own domain is of a shop: the old shop, stored by an earlier crawl, and the new one
then hold one value, and linking ties them. A domain many pages are reached through (a parking or a
seizure page's) is a hub by the usual rules (`link.hubs`).

Pure: no network.
"""

from __future__ import annotations

from collections.abc import Iterable

from countermark.observe.weblinks import normalise_domain

MAX_REDIRECTS = 20  # addresses of one chain kept (Scrapy follows at most 20 redirects by default)


def site_domain(url: str | None) -> str | None:
    """The registrable domain of a page's address, or None when it has no usable host."""
    return normalise_domain(url) if url else None


def redirect_domains(final_url: str | None, redirected_from: Iterable[str]) -> list[str]:
    """The domains a page at `final_url` was reached through, its own left out, in first-seen order."""
    own = site_domain(final_url)
    found: list[str] = []
    for url in redirected_from:
        domain = site_domain(url)
        if domain is not None and domain != own and domain not in found:
            found.append(domain)
    return found
