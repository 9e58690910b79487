"""A set of text spans answering "does [start, end) overlap anything claimed?" in logarithmic time.

Extraction claims the spans of strong matches (URLs, e-mails, IBANs…) so weaker matchers (phones, bare
host names) do not re-read their digits; a linear scan per candidate would make hostile inputs quadratic.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable


class SpanSet:
    """Disjoint, sorted half-open spans; added spans that touch or overlap are merged."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(spans):
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        """Claim [start, end)."""
        if end <= start:
            return
        i = bisect_left(self._ends, start)
        # Merge every span from i on that starts before the new one ends.
        j = i
        while j < len(self._starts) and self._starts[j] <= end:
            start = min(start, self._starts[j])
            end = max(end, self._ends[j])
            j += 1
        del self._starts[i:j]
        del self._ends[i:j]
        self._starts.insert(i, start)
        self._ends.insert(i, end)

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) shares at least one position with a claimed span."""
        if end <= start:
            return False
        i = bisect_left(self._ends, start + 1)
        return i < len(self._starts) and self._starts[i] < end

    def __len__(self) -> int:
        return len(self._starts)
