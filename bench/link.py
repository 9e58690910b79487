"""Bench: link N synthetic accounts with identifiers (exact graph, hubs, fuzzy links, components).

    .venv/bin/python bench/link.py --accounts 100000

Prints one table: accounts, links, networks, seconds per step, total seconds and peak memory (RSS).
The accounts are made here: networks of 2–40 accounts sharing e-mails, phones and analytics ids (some
only through an e-mail slip or a handle variant), honest accounts with their own values, and hub values
held by thousands.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from countermark.link.engine import run_linking
from countermark.link.evidence import Party

PLATFORMS = ("Bazario", "Trendora", "ShopMarket", "Pixelgram", "web")
COUNTRIES = ("CN", "HK", "FR", "DE", "IT", "ES", "PL", "TR")


def make_accounts(count: int, seed: int) -> list[Party]:
    """Synthetic parties: ~25 % in networks, the rest honest, ten hubs."""
    rng = random.Random(seed)
    hubs = [("email", f"service{i}@forwarder{i}.example") for i in range(10)]
    parties: list[Party] = []
    number = 0
    while number < count:
        in_network = rng.random() < 0.05
        size = min(count - number, rng.randint(2, 40) if in_network else 1)
        shared = [
            ("email", f"net{number}@mail.example"),
            ("phone", f"+86{number:010d}"),
            ("analytics_id", f"G-{number:08X}"),
        ]
        for member in range(size):
            values = {("email", f"own{number + member}@mail.example")}
            if size > 1:
                values.add(shared[member % 3] if member else shared[0])
                if member % 3 == 2:
                    values.add(shared[1])
            if rng.random() < 0.02:
                values.add(rng.choice(hubs))
            handle = f"seller{number + member}" if size == 1 else f"netshop{number}_{member}"
            parties.append(
                Party(
                    key=f"A{number + member}",
                    kind="shop" if rng.random() < 0.1 else "account",
                    platform=rng.choice(PLATFORMS),
                    handle=handle,
                    country=rng.choice(COUNTRIES),
                    values=frozenset(values),
                )
            )
        number += size
    return parties


def main() -> None:
    """Make the accounts, link them, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    parties = make_accounts(args.accounts, args.seed)
    made = time.perf_counter() - started
    started = time.perf_counter()
    run = run_linking(parties)
    total = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    rows = [
        ("accounts", f"{len(parties):,}"),
        ("links", f"{len(run.links):,}"),
        ("hub values", f"{len(run.hubs):,}"),
        ("networks", f"{len(run.networks):,}"),
        ("making the accounts (s)", f"{made:.1f}"),
        *[(f"step {name} (s)", f"{value:.1f}") for name, value in run.seconds.items()],
        ("linking, total (s)", f"{total:.1f}"),
        ("peak memory (GB, RSS)", f"{peak_gb:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>12}")


if __name__ == "__main__":
    main()
