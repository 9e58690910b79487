"""Tables of the link capability."""

from __future__ import annotations
