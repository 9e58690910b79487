"""Product-code throughput on one core: issuing (serial + signature), verification, QR rendering.

Run: .venv/bin/python bench/codes_bench.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

from countermark.codes.keys import PublicKeyInfo, generate_private_key
from countermark.codes.sheets import qr_png, qr_svg
from countermark.codes.signed import build_uri, parse_uri, random_serial, sign_code
from countermark.codes.verify import CodeState, verify_uri

GTIN = "09506000134352"
KEY_ID = "a1b2c3"


def rate(work: Callable[[int], object], seconds: float) -> float:
    """Operations per second of `work(i)` run for about `seconds`."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(50):
            work(done)
            done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    private = generate_private_key()
    keys = {KEY_ID: PublicKeyInfo(KEY_ID, "Maison Aurel", private.public_key(), "active")}
    uris = [
        build_uri("id.aurel.example", GTIN, s, sign_code(private, KEY_ID, GTIN, s))
        for s in (random_serial() for _ in range(500))
    ]
    state = CodeState("sold")
    rows = [
        (
            "codes issued (serial + Ed25519 signature + URI)",
            rate(
                lambda i: (
                    s := random_serial(),
                    build_uri("id.aurel.example", GTIN, s, sign_code(private, KEY_ID, GTIN, s)),
                ),
                seconds,
            ),
        ),
        ("URIs parsed (biip Digital Link + checks)", rate(lambda i: parse_uri(uris[i % 500]), seconds)),
        (
            "verifications (parse + Ed25519 verify + verdict)",
            rate(lambda i: verify_uri(uris[i % 500], keys, state), seconds),
        ),
        ("QR renders, SVG", rate(lambda i: qr_svg(uris[i % 500]), seconds)),
        ("QR renders, PNG", rate(lambda i: qr_png(uris[i % 500]), seconds)),
    ]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; one core, one process"
    )
    print(f"{'operation':<52} {'per second':>12}")
    for name, value in rows:
        print(f"{name:<52} {value:>12,.0f}")


if __name__ == "__main__":
    main()
