"""`countermark world serve`: the synthetic world as real websites on 127.0.0.1, for crawlers."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from countermark.cli.common import cli_settings, console


def serve_world_command(
    world: Path | None = typer.Option(
        None, help="World directory built by `world build` (default <data_dir>/world)."
    ),
    gentle: bool = typer.Option(
        False, "--gentle", help="Serve a tame web: no traps, duplicates, delays, rate limit or changes."
    ),
    port: int = typer.Option(8990, help="Front port for every clearnet site (0 = any free port)."),
    socks_port: int = typer.Option(9050, help="Port of the SOCKS5 stand-in for Tor (0 = any free port)."),
    advance_every: float = typer.Option(
        0.0, help="Advance the world's epoch every this many seconds (0 = only on POST /__world/advance)."
    ),
) -> None:
    """Serve the world's marketplaces, social network, web shops and onion market until Ctrl-C."""
    from countermark.sim.sites import serve_world

    target = world or cli_settings().world_dir
    try:
        served = serve_world(target, hostile=not gentle, port=port, socks_port=socks_port)
    except FileNotFoundError as missing:
        console.print(f"[red]{missing}[/red]")
        raise typer.Exit(2) from missing
    except OSError as busy:
        console.print(f"[red]cannot listen: {busy} (choose another --port/--socks-port, or 0)[/red]")
        raise typer.Exit(2) from busy
    front = served.http_address[1]
    typer.echo(f"serving {target} ({'tame' if gentle else 'hostile'}) — Ctrl-C stops")
    typer.echo(f"  HTTP proxy (every clearnet site, by Host): {served.http_proxy}")
    typer.echo(f"  SOCKS5 stand-in (the onion market):        {served.socks_proxy}")
    typer.echo(f"  onion market:  http://{served.onion_host}/")
    typer.echo(f"  start page:    {served.start_urls[0]}")
    if served.shop_hosts:
        typer.echo(
            f"  {len(served.shop_hosts)} web shops (by Host; also https:// through the proxy's CONNECT, "
            f"each with its certificate), e.g. https://{served.shop_hosts[0]}/"
        )
    typer.echo(
        f"  admin: curl http://127.0.0.1:{front}/__world/status ; "
        f"curl -X POST http://127.0.0.1:{front}/__world/advance"
    )
    typer.echo(f"  try:   curl -x {served.http_proxy} http://www.shopmarket.eu/catalogue?page=1")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(advance_every if advance_every > 0 else 3600):
            if advance_every > 0:
                typer.echo(f"epoch {served.advance()}")
    except KeyboardInterrupt:
        pass
    finally:
        served.close()
        typer.echo("stopped")
