"""Demo step: two countries' customs, each on its own instance and store, sync over TAXII and find the
network they share through private matching (bounded: small stores, loopback servers)."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.steps import StepProgress
from countermark.eval.share import account_rows, connect, open_store, seed_instance
from countermark.share.matching_service import match_with, own_values
from countermark.share.networks import components
from countermark.share.records_service import local_records
from countermark.share.sync_service import sync_partner

PHONES = ["+33 6 12 34 56 78", "+86 139 0000 1111"]
WALLETS = ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"]


@contextmanager
def served(ctx: AppContext) -> Iterator[str]:
    """The app of a store served by uvicorn in a thread on a free loopback port (a quick second instance)."""
    import uvicorn

    from countermark.share.token_vault import use_keys
    from countermark.web.app import create_app

    use_keys(ctx.engine, ctx.settings.keys_dir)  # partner secrets of this store sealed with its own key
    config = uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the TAXII server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_sharing(ctx: AppContext, session: Session, progress: StepProgress) -> str:
    """Sync a French and a Chinese customs instance both ways, then match their identifiers privately."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cm-demo-share-") as tmp:
        base = Path(tmp)
        fr = seed_instance(
            open_store(base / "fr"),
            name="fr",
            org_name="DGDDI",
            country="FR",
            partner_name="GACC (CN instance)",
            partner_country="CN",
            rows=account_rows("fr", 24, PHONES, WALLETS),
        )
        progress(1, 4)
        cn = seed_instance(
            open_store(base / "cn"),
            name="cn",
            org_name="GACC",
            country="CN",
            partner_name="DGDDI (FR instance)",
            partner_country="FR",
            rows=account_rows("cn", 24, PHONES, WALLETS),
        )
        progress(2, 4)
        try:
            with served(fr.ctx) as url_fr, served(cn.ctx) as url_cn:
                connect(fr, url_fr, cn, url_cn)
                pulled = sum(
                    s.stored for inst in (fr, cn) for s in sync_partner(inst.ctx.sessions, inst.partner_id)
                )
                progress(3, 4)
                with unit_of_work(cn.ctx.sessions) as cn_session:
                    asked = own_values(cn_session, owner_org_id=cn.org_id)
                match = match_with(url_fr, fr.token_for_peer, asked)
            matched = {tuple(value.split(":", 1)) for value in match.matched}
            with unit_of_work(cn.ctx.sessions) as cn_session:
                records = local_records(
                    cn_session, sharing_group_id=None, kinds=("accounts",), owner_org_id=cn.org_id
                )
            hits = [(f"{r.kind}:{r.id}", [i for i in r.identifiers if i in matched]) for r in records]
            networks = components([(key, ids) for key, ids in hits if ids])
        finally:
            fr.ctx.close()
            cn.ctx.close()
    progress(4, 4)
    biggest = len(networks[0]) if networks else 0
    return (
        f"2 instances synced both ways ({pulled} STIX objects stored); private matching of {match.asked} "
        f"identifiers found {len(match.matched)} in common and a shared network of {biggest} accounts "
        f"({time.perf_counter() - started:.0f} s)"
    )
