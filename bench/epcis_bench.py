"""EPCIS repository: capture throughput and query latency on SQLite (issue 17).

    .venv/bin/python bench/epcis_bench.py [--events 2000]

Captures N ObjectEvents (one organisation, batches of 1,000 in one document each), then times queries by
EPC, by business step, by time window, and walking every page of 100. Prints a table.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from countermark.codes import epcis_service
from countermark.codes.epcis_documents import constrained_sgtin, epcis_document, object_event
from countermark.codes.epcis_service import EventQuery
from countermark.core.db import make_engine, make_sessionmaker, unit_of_work
from countermark.core.migrate import upgrade
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import Principal

STEPS = (("commissioning", "active"), ("shipping", "in_transit"), ("receiving", "in_progress"))
START = datetime(2025, 1, 1, tzinfo=UTC)


def _events(first: int, count: int) -> list[dict[str, Any]]:
    events = []
    for number in range(first, first + count):
        step, disposition = STEPS[number % 3]
        events.append(
            object_event(
                epcs=[constrained_sgtin("09506000134352", f"S{number // 3:07d}")],
                at=START + timedelta(minutes=number),
                tz_offset="+01:00",
                action="ADD" if step == "commissioning" else "OBSERVE",
                biz_step=step,
                disposition=disposition,
                read_point="geo:48.85,2.35",
            )
        )
    return events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        with unit_of_work(sessions) as session:
            org = create_organisation(session=session, name="Bench", kind="rights_holder", country="FR").id
        principal = Principal(org_id=org, scopes=frozenset({"read"}))
        rows: list[tuple[str, str]] = []
        capture_time = 0.0
        for first in range(0, args.events, 1000):
            document = epcis_document(_events(first, min(1000, args.events - first)), created=START)
            began = time.perf_counter()
            with unit_of_work(sessions) as session:
                epcis_service.capture(session=session, document=document, owner_org_id=org, actor="b")
            capture_time += time.perf_counter() - began
        rows.append(("capture (events/s)", f"{args.events / capture_time:,.0f}"))
        queries = {
            "by EPC (3 events)": EventQuery(match_epc=[constrained_sgtin("09506000134352", "S0000100")]),
            "by bizStep, first page of 100": EventQuery(biz_steps=["shipping"]),
            "by time window (60 events)": EventQuery(
                ge_event_time=START + timedelta(minutes=600), lt_event_time=START + timedelta(minutes=660)
            ),
        }
        with sessions() as session:
            for label, query in queries.items():
                began = time.perf_counter()
                epcis_service.query_events(session=session, principal=principal, query=query)
                spent = time.perf_counter() - began
                rows.append((f"query {label} (ms)", f"{spent * 1000:.1f}"))
            token: str | None = None
            pages, began = 0, time.perf_counter()
            while True:
                page = epcis_service.query_events(
                    session=session, principal=principal, query=EventQuery(), per_page=100, token=token
                )
                pages += 1
                token = page.next_token
                if token is None:
                    break
            rows.append(
                (
                    f"walk all {pages} pages of 100 (ms per page)",
                    f"{(time.perf_counter() - began) * 1000 / pages:.1f}",
                )
            )
        engine.dispose()
    machine = f"{platform.platform()}, Python {platform.python_version()}"
    print(f"EPCIS repository, SQLite, {args.events} events (capture and commit per 1,000); {machine}")
    print(f"{'measure':<45} value")
    for label, value in rows:
        print(f"{label:<45} {value}")


if __name__ == "__main__":
    main()
