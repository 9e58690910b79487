"""Revision 0025 seals the tokens partners issued us and points each partner at the token we issued it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from countermark.core.db import unit_of_work
from countermark.core.migrate import alembic_config, upgrade
from countermark.orgs.auth_service import create_api_token
from countermark.orgs.service import create_organisation, create_user
from countermark.share.models import SharePartner
from countermark.share.token_vault import TokenVault, use_keys
from tests.conftest import _context

SECRET = "cm_feedfacecafe_partner-secret"


def _move(engine: Engine, action: str, revision: str, keys_dir: Path) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["share_keys_dir"] = str(keys_dir)
        getattr(command, action)(config, revision)


def test_plain_tokens_are_sealed_and_opened_back_on_downgrade(database_url: str, tmp_path: Path) -> None:
    ctx = _context(database_url, tmp_path)
    keys = tmp_path / "keys-of-settings"
    try:
        upgrade(ctx.engine, "0024")
        with ctx.sessions() as session:
            ours = create_organisation(session=session, name="DGDDI", kind="customs", country="FR")
            theirs = create_organisation(session=session, name="GACC instance", kind="customs", country="CN")
            user = create_user(session=session, org_id=theirs.id, email="taxii@gacc.partner.invalid",
                               display_name="GACC", role="analyst")  # fmt: skip
            _, issued = create_api_token(session=session, user=user, name="partner instance", scopes=["read"])
            session.execute(
                text("INSERT INTO share_partners (name, org_id, acting_org_id, api_root_url, token, "
                     "matching, enabled, created_at) VALUES ('GACC instance', :o, :a, "
                     "'http://x/taxii2/api/', :t, 'psi', :e, CURRENT_TIMESTAMP)"),
                {"o": theirs.id, "a": ours.id, "t": SECRET, "e": True},
            )  # fmt: skip
            session.commit()
            issued_id = issued.id
        _move(ctx.engine, "upgrade", "0025", keys)
        with ctx.engine.connect() as connection:
            row = connection.execute(text("SELECT * FROM share_partners")).mappings().one()
        assert "token" not in row and SECRET not in str(dict(row))
        assert row["issued_token_id"] == issued_id and row["token_hint"] == "cm_feedfacecafe_…"
        assert TokenVault.in_directory(keys).open(row["token_sealed"]) == SECRET
        use_keys(ctx.engine, keys)
        with unit_of_work(ctx.sessions) as session:
            partner = session.get(SharePartner, row["id"])
            assert partner is not None and partner.token == SECRET
        _move(ctx.engine, "downgrade", "0024", keys)
        with ctx.engine.connect() as connection:
            assert connection.execute(text("SELECT token FROM share_partners")).scalar_one() == SECRET
    finally:
        ctx.close()
