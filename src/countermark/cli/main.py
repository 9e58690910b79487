"""The `countermark` command."""

from __future__ import annotations

import typer

from countermark.cli import cases, codes, db, fingerprint, ledger, orgs, targeting, users, world
from countermark.cli import detect as detect_cli
from countermark.cli import link as link_cli
from countermark.cli import monitor as monitor_cli
from countermark.cli import rates as rates_cli
from countermark.cli import share as share_cli
from countermark.cli.demo import demo_command
from countermark.cli.ingest import ingest_command, kinds_command
from countermark.cli.serve import serve_command
from countermark.cli.settings import settings_command
from countermark.cli.world import eval_command
from countermark.cli.world_serve import serve_world_command

app = typer.Typer(
    name="countermark",
    help="Detect, link, target and act on counterfeiting and piracy across platforms and borders.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(orgs.app, name="org")
app.add_typer(users.app, name="user")
app.add_typer(world.app, name="world")
world.app.command("serve")(serve_world_command)
app.add_typer(targeting.app, name="targeting")
app.add_typer(fingerprint.app, name="fingerprint")
app.add_typer(codes.app, name="codes")
app.add_typer(cases.app, name="cases")
app.add_typer(ledger.app, name="ledger")
app.add_typer(share_cli.app, name="share")
app.add_typer(detect_cli.app, name="detect")
app.add_typer(monitor_cli.app, name="monitor")
app.add_typer(link_cli.app, name="link")
app.add_typer(rates_cli.app, name="rates")
app.command("ingest")(ingest_command)
app.command("kinds")(kinds_command)
app.command("demo")(demo_command)
app.command("eval")(eval_command)
app.command("settings")(settings_command)
app.command("serve")(serve_command)

if __name__ == "__main__":
    app()
