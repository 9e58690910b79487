"""Private set intersection of identifiers between two instances (OpenMined's `openmined-psi`).

Why PSI rather than keyed hashes: with hashes keyed per agreement, whoever holds the key can hash every
phone number of a country (about 10^9 values) and read the other side's list back; phone numbers,
IBANs and names are too few for a key to protect them. PSI (elliptic-curve Diffie-Hellman with a
Golomb-compressed set) lets the asking side learn which of its own values the other side holds, and the
answering side learn only how many values were asked, never which. The cost is CPU: both sides do
public-key work per value (see `bench/share.py`).

Protocol (one round): the asker sends `request(values)`; the answerer replies `answer(request, its
values)` (a setup message and a response); the asker computes `intersection(...)` locally.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import private_set_intersection.python as psi  # type: ignore[import-untyped]

FALSE_POSITIVE_RATE = 1e-9
MAX_VALUES = 200_000
MATCHED_KINDS = ("email", "phone", "iban", "crypto_wallet", "name")


def item(kind: str, value: str) -> str:
    """The string one identifier is matched as (kind and normalised value)."""
    return f"{kind}:{value}"


@dataclass
class Asker:
    """The side that learns the intersection: keeps its key and its values between the two steps."""

    values: list[str]
    client: psi.client

    @classmethod
    def start(cls, values: Iterable[str]) -> Asker:
        """A new asking side (fresh key) for these values."""
        return cls(sorted(set(values)), psi.client.CreateWithNewKey(True))

    def request(self) -> str:
        """The request to send, base64."""
        return base64.b64encode(self.client.CreateRequest(self.values).SerializeToString()).decode()

    def intersection(self, setup_b64: str, response_b64: str) -> list[str]:
        """Which of our values the other side holds."""
        setup, response = psi.ServerSetup(), psi.Response()
        setup.ParseFromString(base64.b64decode(setup_b64))
        response.ParseFromString(base64.b64decode(response_b64))
        return sorted(self.values[i] for i in self.client.GetIntersection(setup, response))


def answer(request_b64: str, asked_count: int, values: Sequence[str]) -> tuple[str, str]:
    """The answering side's setup message and response to a request (base64 both); learns nothing else."""
    request = psi.Request()
    try:
        request.ParseFromString(base64.b64decode(request_b64, validate=True))
    except Exception as exc:  # a malformed request is the asker's mistake
        raise ValueError(f"not a PSI request: {type(exc).__name__}") from None
    server = psi.server.CreateWithNewKey(True)
    setup = server.CreateSetupMessage(
        FALSE_POSITIVE_RATE, max(1, asked_count), sorted(set(values)), psi.DataStructure.GCS
    )
    response = server.ProcessRequest(request)
    return (
        base64.b64encode(setup.SerializeToString()).decode(),
        base64.b64encode(response.SerializeToString()).decode(),
    )
