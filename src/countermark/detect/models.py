"""Tables of the detect capability."""

from __future__ import annotations
