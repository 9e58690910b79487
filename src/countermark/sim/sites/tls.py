"""The web shops' TLS side: certificates made when the world is served, one per distinct set of names.

A world CA (made fresh each time, trusted by nobody) signs one leaf certificate per set of names the
world's shops are served with (`sim.certificates`): a shop's own, a network's shared one, a CDN's or a
host's. Keys are ECDSA P-256: making a hundred takes a fraction of a second. The front port, an HTTP
proxy, opens a CONNECT tunnel to port 443 of a shop and speaks TLS in it with that shop's certificate
(`sim.sites.server`); a crawler reads the names off the certificate it was shown.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from collections.abc import Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TLS_PORT = 443


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common[:64])])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class ShopCertificates:
    """The TLS contexts of the served shops, by host."""

    def __init__(self, names_by_host: Mapping[str, tuple[str, ...]]) -> None:
        """Make a CA and a leaf certificate per distinct set of names; hosts without names get none."""
        self._folder = tempfile.TemporaryDirectory(prefix="countermark-world-tls-")
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("Countermark World CA")
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        ca_pem = ca.public_bytes(serialization.Encoding.PEM)
        by_names: dict[tuple[str, ...], ssl.SSLContext] = {}
        self._contexts: dict[str, ssl.SSLContext] = {}
        for host, names in sorted(names_by_host.items()):
            if not names:
                continue
            if names not in by_names:
                by_names[names] = self._context(len(by_names), names, ca_key, ca_name, ca_pem, now)
            self._contexts[host.lower()] = by_names[names]

    def _context(
        self,
        number: int,
        names: tuple[str, ...],
        ca_key: ec.EllipticCurvePrivateKey,
        ca_name: x509.Name,
        ca_pem: bytes,
        now: dt.datetime,
    ) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        folder = Path(self._folder.name)
        chain, private = folder / f"{number}.pem", folder / f"{number}.key"
        chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + ca_pem)
        private.write_bytes(_pem_key(key))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, private)
        return context

    def context_for(self, host: str) -> ssl.SSLContext | None:
        """The TLS context a host is served with, or None when it is not served over TLS."""
        return self._contexts.get(host.lower())

    @property
    def hosts(self) -> list[str]:
        """The hosts served over TLS."""
        return sorted(self._contexts)

    def close(self) -> None:
        """Remove the certificate files (the contexts keep what they loaded)."""
        self._folder.cleanup()
