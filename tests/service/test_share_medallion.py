"""Our sync client against OASIS's reference TAXII 2.1 server (medallion, memory backend, own process)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from countermark.core.db import unit_of_work
from countermark.eval.share import account_rows, open_store, seed_instance
from countermark.share.models import SharePartner
from countermark.share.sync_service import discover, pull, push, received_objects

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"


def _medallion(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    if shutil.which("medallion", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("medallion (dev dependency) is not installed in this environment")
    data = {
        "/discovery": {"title": "reference", "default": "/api1/", "api_roots": ["/api1/"]},
        "api1": {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "shared",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(tmp_path / "data.json"),
        },
        "users": {"cm": "secret"},
        "taxii": {"max_page_size": 25},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "medallion"), "--port", str(port), str(tmp_path / "config.json")],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "medallion.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(f"{url}/taxii2/", auth=("cm", "secret"), timeout=5)
            return process, url
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"medallion did not start: {(tmp_path / 'medallion.log').read_text()[-1500:]}")
            time.sleep(0.2)


def test_the_sync_client_pushes_to_and_pulls_from_the_reference_server(tmp_path: Path) -> None:
    process, url = _medallion(tmp_path)
    instance = seed_instance(
        open_store(tmp_path / "fr"),
        name="fr",
        org_name="DGDDI",
        country="FR",
        partner_name="Reference TAXII",
        partner_country="BE",
        rows=account_rows("fr", 12, ["+33 6 12 34 56 78"], ["bc1qref"]),
    )
    try:
        with unit_of_work(instance.ctx.sessions) as session:
            partner = session.get(SharePartner, instance.partner_id)
            assert partner is not None
            partner.api_root_url, partner.token = f"{url}/api1/", "basic:cm:secret"
        subs = discover(instance.ctx.sessions, instance.partner_id)
        assert [(s.collection_uuid, s.can_read, s.can_write) for s in subs] == [(COLLECTION, True, True)]
        # medallion 3.0 cannot list a collection holding an extension-definition (it reads its `version`
        # as a timestamp), so those stay home; the objects that name them still validate.
        pushed = push(
            instance.ctx.sessions,
            subs[0].id,
            source_collection_id=instance.collection_id,
            batch=40,
            skip_types=("extension-definition",),
        )
        assert pushed.status == "ok" and pushed.rejected == 0 and pushed.stored == pushed.received > 20
        first = pull(instance.ctx.sessions, subs[0].id, page_size=25)  # pages of 25: follows `more`
        assert first.status in ("ok", "ok_waiting") and first.rejected == 0, first.errors
        assert first.received == pushed.received
        again = pull(instance.ctx.sessions, subs[0].id, page_size=25)
        assert again.received == 0  # X-TAXII-Date-Added-Last kept our place
        with unit_of_work(instance.ctx.sessions) as session:
            got = received_objects(session, instance.partner_id)
        assert len({row.stix_id for row in got}) == first.stored
        assert {row.partner_id for row in got} == {instance.partner_id}
    finally:
        process.terminate()
        process.wait(timeout=30)
        instance.ctx.close()
