"""Why a code, an event or a document is refused, worded so that a page can say it in the reader's language.

The pure modules (`signed`, `epcis`, `epcis_capture`) raise their errors as `ValueError`s, which their
callers catch by name. Each is also an `InvalidInput` raised with `.of(template, **values)`: where one
reaches a user (a refused batch, an EPCIS document, a report form) it is the 422 with a translatable message,
and inside another refusal (`{problem}`) it is translated in turn.
"""

from __future__ import annotations

from countermark.core.errors import InvalidInput


class ReasonError(InvalidInput, ValueError):
    """A refusal's reason: an English message, and the template and values it was formatted from."""
