"""Which platforms are a seller's own web shop, where the page (its template, its certificate, its domain)
is the seller's and not the platform's."""

from __future__ import annotations

SHOP_PLATFORMS = frozenset({"web", "shop", "website"})


def is_shop_platform(platform: str | None) -> bool:
    """Whether offers on this platform are pages of the seller's own site."""
    return (platform or "").strip().lower() in SHOP_PLATFORMS
