"""The names on the TLS certificate a page came with, as the crawl records them for linking
(`observe.tls`): shops an operator serves with one certificate are named on it together."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from countermark.observe.tls import MAX_NAMES, tls_name


def certificate_names(certificate: Any) -> list[str]:
    """The DNS names of a response's certificate (Scrapy's `response.certificate`, a Twisted
    `Certificate`): its subject alternative names, else its common name; [] for a plain HTTP response or
    a certificate that cannot be read."""
    if certificate is None:
        return []
    try:
        parsed = certificate.original.to_cryptography()
    except (AttributeError, ValueError, TypeError):
        return []
    try:
        names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = [str(n) for n in names.get_values_for_type(x509.DNSName)]
    except (x509.ExtensionNotFound, ValueError):
        found = [str(a.value) for a in parsed.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return [n for n in found if tls_name(n) is not None][:MAX_NAMES]
