"""`countermark user`: create, list, reset the password of, disable and re-enable users."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from countermark.cli.common import app_context, console
from countermark.core.db import unit_of_work
from countermark.orgs.auth_service import set_password
from countermark.orgs.models import ROLES, Organisation, User
from countermark.orgs.service import create_user, get_organisation_by_name_or_raise
from countermark.orgs.users_service import disable_user, enable_user, reset_password, user_by_email

app = typer.Typer(help="Users: people who sign in, one organisation and one role each.", no_args_is_help=True)


@app.command("create")
def create_command(
    email: str = typer.Argument(..., help="Sign-in e-mail."),
    org: str = typer.Option(..., "--org", help="Name of the user's organisation."),
    role: str = typer.Option("viewer", help=f"One of {', '.join(ROLES)}."),
    name: str | None = typer.Option(None, help="Display name (default: the e-mail)."),
    locale: str = typer.Option("en", help="Interface language: en, fr or zh."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."
    ),
) -> None:
    """Create a user who can sign in to the web interface."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        organisation = get_organisation_by_name_or_raise(session=session, name=org)
        user = create_user(
            session=session,
            org_id=organisation.id,
            email=email,
            display_name=name or email,
            role=role,
            actor="cli",
        )
        user.locale = locale if locale in ("en", "fr", "zh") else "en"
        set_password(session=session, user=user, password=password)
        console.print(f"created user {user.email} ({user.role}) in {organisation.name}")


@app.command("list")
def list_command() -> None:
    """List users with their organisations."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        table = Table("id", "e-mail", "name", "role", "organisation", "status")
        rows = session.execute(
            select(User, Organisation.name)
            .join(Organisation, Organisation.id == User.org_id)
            .order_by(User.id)
        )
        for user, org_name in rows:
            status = f"disabled {user.disabled_at:%Y-%m-%d}" if user.disabled_at else "active"
            table.add_row(str(user.id), user.email, user.display_name, user.role, org_name, status)
        console.print(table)


@app.command("reset-password")
def reset_password_command(
    email: str = typer.Argument(..., help="Sign-in e-mail of the user."),
    generate: bool = typer.Option(
        False, "--generate", help="Generate a password and print it once instead of asking for one."
    ),
) -> None:
    """Set a user's password (asked twice, or generated with --generate); their sessions end."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        user = user_by_email(session=session, email=email)
        password = None
        if not generate:
            password = str(typer.prompt("New password", hide_input=True, confirmation_prompt=True))
        reset = reset_password(session=session, user=user, actor="cli", password=password)
        console.print(f"password of {user.email} reset; {reset.sessions_ended} session(s) signed out")
        if reset.password is not None:
            console.print("new password (shown once, give it by another channel):", style="bold")
            console.print(reset.password, markup=False, highlight=False)


@app.command("disable")
def disable_command(email: str = typer.Argument(..., help="Sign-in e-mail of the user.")) -> None:
    """Disable a user: no sign-in; their sessions end and their API tokens are revoked at once."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        user = disable_user(session=session, user=user_by_email(session=session, email=email), actor="cli")
        console.print(f"disabled {user.email}")


@app.command("enable")
def enable_command(email: str = typer.Argument(..., help="Sign-in e-mail of the user.")) -> None:
    """Let a disabled user sign in again (their revoked API tokens stay revoked)."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        user = enable_user(session=session, user=user_by_email(session=session, email=email), actor="cli")
        console.print(f"enabled {user.email}")
