"""`countermark user`: reset a password (asked or generated), disable and re-enable, on the embedded store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli import common
from countermark.cli.main import app
from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.errors import CountermarkError
from countermark.core.settings import Settings
from countermark.orgs.auth_service import start_web_session
from countermark.orgs.models import AuditEntry, User, WebSession
from countermark.orgs.signin_service import authenticate

runner = CliRunner()
EMAIL = "analyst@dgddi.example"
FIRST = "first password here"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COUNTERMARK_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    # The CLI's consoles took their width when first imported (80 columns in a test worker): widen them.
    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (
        runner.invoke(app, ["org", "create", "DGDDI", "--kind", "customs", "--country", "FR"]).exit_code == 0
    )
    created = runner.invoke(
        app, ["user", "create", EMAIL, "--org", "DGDDI", "--role", "analyst"], input=f"{FIRST}\n{FIRST}\n"
    )
    assert created.exit_code == 0, created.output
    return tmp_path / "data"


def _signs_in(data_dir: Path, password: str) -> bool:
    """Whether the password signs the user in (each check from its own address, so none is throttled)."""
    settings = Settings(data_dir=data_dir)
    ctx = build_context(settings, blobs=LocalBlobStore(data_dir / "blobs"))
    try:
        with unit_of_work(ctx.sessions) as session:
            try:
                authenticate(session=session, email=EMAIL, password=password, origin=f"cli-test-{password}")
            except CountermarkError:  # wrong password, or a disabled account
                return False
            return True
    finally:
        ctx.close()


def _open_session(data_dir: Path) -> None:
    ctx = build_context(Settings(data_dir=data_dir), blobs=LocalBlobStore(data_dir / "blobs"))
    try:
        with unit_of_work(ctx.sessions) as session:
            user = session.scalars(select(User).where(User.email == EMAIL)).one()
            start_web_session(session=session, user=user, origin=None)
    finally:
        ctx.close()


def _count(data_dir: Path, model: type[WebSession] | type[AuditEntry], **where: str) -> int:
    ctx = build_context(Settings(data_dir=data_dir), blobs=LocalBlobStore(data_dir / "blobs"))
    try:
        with ctx.sessions() as session:
            query = select(model)
            for column, value in where.items():
                query = query.where(getattr(model, column) == value)
            return len(session.scalars(query).all())
    finally:
        ctx.close()


def test_reset_password_asks_for_the_new_one_and_ends_sessions(data_dir: Path) -> None:
    _open_session(data_dir)
    result = runner.invoke(app, ["user", "reset-password", EMAIL], input="second password here\n" * 2)
    assert result.exit_code == 0, result.output
    assert "1 session(s) signed out" in result.output
    assert _count(data_dir, WebSession) == 0
    assert not _signs_in(data_dir, FIRST)
    assert _signs_in(data_dir, "second password here")
    assert _count(data_dir, AuditEntry, action="reset_password", actor="cli") == 1


def test_reset_password_generates_one_shown_once(data_dir: Path) -> None:
    result = runner.invoke(app, ["user", "reset-password", EMAIL, "--generate"])
    assert result.exit_code == 0, result.output
    generated = re.search(r"shown once.*\n(\S{16,})\n", result.output)
    assert generated, result.output
    assert _signs_in(data_dir, generated.group(1))


def test_a_short_password_is_refused(data_dir: Path) -> None:
    result = runner.invoke(app, ["user", "reset-password", EMAIL], input="short\nshort\n")
    assert result.exit_code == 2
    assert "at least 10 characters" in result.output
    assert _signs_in(data_dir, FIRST)


def test_disable_then_enable(data_dir: Path) -> None:
    _open_session(data_dir)
    disabled = runner.invoke(app, ["user", "disable", EMAIL])
    listed = runner.invoke(app, ["user", "list"])
    assert disabled.exit_code == 0, disabled.output
    assert re.search(r"analyst@dgddi\.example.*disabled \d{4}-\d\d-\d\d", listed.output)
    assert _count(data_dir, WebSession) == 0
    assert not _signs_in(data_dir, FIRST)

    assert runner.invoke(app, ["user", "enable", EMAIL]).exit_code == 0
    assert _signs_in(data_dir, FIRST)
    assert (
        _count(data_dir, AuditEntry, action="disable") == _count(data_dir, AuditEntry, action="enable") == 1
    )


def test_an_unknown_user_is_named(data_dir: Path) -> None:
    result = runner.invoke(app, ["user", "disable", "nobody@example.org"])
    assert result.exit_code == 2
    assert "no user with e-mail 'nobody@example.org'" in result.output
