"""Sharing between instances: STIX objects pulled, validated and stored per second between two local
instances over TAXII 2.1, and the time of a private set intersection of N identifiers on each side.

Run: .venv/bin/python bench/share.py [--objects 20000] [--psi 100000] [--page 1000]
Instance A (a SQLite store) serves its collection with uvicorn on a loopback port; instance B (its own
SQLite store) pulls it with the sync client (taxii2-client), validating each object and storing it.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from countermark.core.db import unit_of_work
from countermark.demo.share import served
from countermark.eval.share import Instance, account_rows, connect, open_store, seed_instance
from countermark.share import psi
from countermark.share.objects_service import Marking, store_versions
from countermark.share.stix_mapping import LocalRecord, record_objects
from countermark.share.sync_service import discover, pull


def _fill(instance: Instance, count: int) -> int:
    """Add about `count` objects (accounts, e-mails, phones and their relationships) to A's collection."""
    items = []
    i = 0
    while len(items) < count:
        record = LocalRecord(
            "accounts",
            10_000 + i,
            {"handle": f"bench_{i}", "platform": "shopmarket"},
            instance.org_id,
            "GREEN",
            instance.group_id,
            (("email", f"bench{i}@mail.example"), ("phone", f"+3361{i:07d}")),
        )
        items += [
            (body, Marking(instance.org_id, "GREEN", instance.group_id), None)
            for body in record_objects("bench", record, "identity--00000000-0000-4000-8000-000000000000")
        ]
        i += 1
    with unit_of_work(instance.ctx.sessions) as session:
        return store_versions(
            session, scope=f"c:{instance.collection_id}", items=items, collection_id=instance.collection_id
        ).stored


def bench_pull(objects: int, page: int) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory(prefix="cm-bench-share-") as tmp:
        base = Path(tmp)
        a = seed_instance(
            open_store(base / "a"),
            name="a",
            org_name="A customs",
            country="FR",
            partner_name="B instance",
            partner_country="CN",
            rows=account_rows("a", 6, ["+33 6 00 00 00 01"], ["bc1qa"]),
        )
        b = seed_instance(
            open_store(base / "b"),
            name="b",
            org_name="B customs",
            country="CN",
            partner_name="A instance",
            partner_country="FR",
            rows=account_rows("b", 6, ["+33 6 00 00 00 02"], ["bc1qb"]),
        )
        _fill(a, objects)
        try:
            with served(a.ctx) as url_a, served(b.ctx) as url_b:
                connect(a, url_a, b, url_b)
                sub = discover(b.ctx.sessions, b.partner_id)[0]
                started, cpu = time.perf_counter(), time.process_time()
                summary = pull(b.ctx.sessions, sub.id, page_size=page)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            a.ctx.close()
            b.ctx.close()
    assert summary.rejected == 0, summary.errors[:3]
    return summary.stored, elapsed, cpu


def bench_psi(size: int) -> tuple[float, int]:
    ours = [psi.item("phone", f"+3361{i:07d}") for i in range(size)]
    theirs = [psi.item("phone", f"+3361{i:07d}") for i in range(size // 2, size + size // 2)]
    started = time.perf_counter()
    asker = psi.Asker.start(ours)
    setup, response = psi.answer(asker.request(), len(asker.values), theirs)
    common = asker.intersection(setup, response)
    return time.perf_counter() - started, len(common)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--psi", type=int, default=100_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, SQLite stores"
    )
    stored, elapsed, cpu = bench_pull(args.objects, args.page)
    print(f"{'measure':<52} {'value':>12}")
    print(f"{'STIX objects pulled+validated+stored':<52} {stored:>12,}")
    print(f"{'seconds':<52} {elapsed:>12.2f}")
    print(f"{'objects per second':<52} {stored / elapsed:>12,.0f}")
    # Both instances run in this process (A's server in a thread): its CPU time is what the pull cost
    # both sides, a figure a loaded machine (other jobs on the cores) does not distort as much as wall time.
    print(f"{'CPU seconds of the process (server A + client B)':<52} {cpu:>12.2f}")
    print(f"{'objects per CPU second':<52} {stored / cpu:>12,.0f}")
    seconds, common = bench_psi(args.psi)
    print(f"{f'PSI of {args.psi:,} identifiers per side (seconds)':<52} {seconds:>12.1f}")
    print(f"{'identifiers in common found':<52} {common:>12,}")


if __name__ == "__main__":
    main()
