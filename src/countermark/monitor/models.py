"""Tables of the monitor capability."""

from __future__ import annotations
