"""Tables of the share capability."""

from __future__ import annotations
