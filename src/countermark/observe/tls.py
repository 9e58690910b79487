"""The DNS names of the TLS certificate a page was served with, as one identifier.

An operator that runs several shops on one server often takes one certificate naming all of them (a
subject-alternative-name certificate); investigators of counterfeit-shop networks read the names off it.
The identifier's value is the certificate's distinct names, lower-case ASCII (IDNA), sorted and joined by
commas: every shop served with that certificate holds the same value, and a renewed certificate naming
the same shops keeps it. A certificate many unrelated sites share (a CDN's, a host's) is a hub like any
value shared too widely (`link.hubs`).

Pure: no network. Names are read by the crawler from the certificate itself (`monitor.spider`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from countermark.observe.weblinks import ascii_host

MAX_NAMES = 100
MAX_VALUE = 1000  # an identifier's stored length
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def tls_name(raw: str) -> str | None:
    """One certificate name in its normal form ("*.shop.example" keeps its wildcard), or None when it
    is not a DNS name."""
    text = raw.strip().lower().rstrip(".")
    wildcard = text.startswith("*.")
    host = ascii_host(text[2:] if wildcard else text)
    if not host or len(host) > 253 or "." not in host:
        return None
    if not all(_LABEL.fullmatch(label) for label in host.split(".")):
        return None
    return ("*." if wildcard else "") + host


def tls_names_value(names: Iterable[str]) -> str | None:
    """The identifier of a certificate's names (see the module's description); None when none is a DNS
    name. A value longer than an identifier holds keeps its start and a hash of the whole."""
    found = sorted({name for raw in names if (name := tls_name(raw)) is not None})
    if not found:
        return None
    value = ",".join(found[:MAX_NAMES])
    if len(value) > MAX_VALUE:
        value = value[: MAX_VALUE - 17] + "#" + hashlib.sha256(value.encode("ascii")).hexdigest()[:16]
    return value
