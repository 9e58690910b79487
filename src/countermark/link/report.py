"""A linking run as plain JSON: what `countermark link show|why` read; the next run keeps its ids."""

from __future__ import annotations

from typing import Any

from countermark.link.engine import LinkRun
from countermark.link.evidence import Link


def link_dict(link: Link) -> dict[str, Any]:
    """One link as the reports show it."""
    found: dict[str, Any] = {"a": link.a, "b": link.b, "evidence": link.evidence, "detail": link.detail}
    if link.probability < 1.0:
        found["probability"] = round(link.probability, 4)
    if link.contributions:
        found["contributions"] = dict(link.contributions)
    return found


def run_dict(run: LinkRun) -> dict[str, Any]:
    """The whole run: hubs, networks with members by kind, score, each member's chain of evidence."""
    return {
        "next_number": run.next_number,
        "seconds": {k: round(v, 2) for k, v in run.seconds.items()},
        "hubs": [
            {"kind": h.kind, "value": h.value, "holders": h.holders, "reason": h.reason}
            for h in sorted(run.hubs.values(), key=lambda h: (-h.holders, h.kind, h.value))
        ],
        "networks": [
            {
                "id": n.id,
                "operator": n.operator,
                "score": n.score,
                "kinds": dict(n.kinds),
                "members": list(n.members),
                "chains": {m: [link_dict(link) for link in chain] for m, chain in n.chains.items()},
            }
            for n in sorted(run.networks, key=lambda n: (-len(n.members), n.id))
        ],
    }


def previous_ids(saved: dict[str, Any]) -> dict[str, str]:
    """Member -> network id of a saved run (what the next run keeps its ids from)."""
    return {m: str(n["id"]) for n in saved.get("networks", []) for m in n.get("members", [])}


def why(saved: dict[str, Any], member: str) -> dict[str, Any] | None:
    """The network a party belongs to and the chain of evidence that ties it in (None when in none)."""
    for network in saved.get("networks", []):
        if member in network.get("members", []):
            return {
                "network": network["id"],
                "operator": network["operator"],
                "chain": network["chains"].get(member, []),
            }
    return None
