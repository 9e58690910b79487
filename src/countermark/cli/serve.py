"""`countermark serve`: the web interface and the API with uvicorn."""

from __future__ import annotations

import os

import typer

from countermark.cli.common import cli_settings, console

# uvicorn's supervisor kills a worker that does not answer its health check within this many seconds,
# and a worker answers only once it has imported the command line and the app (~8 s of CPU each). Its
# default (5 s) is shorter than that on a busy machine: with several workers starting together on loaded
# cores it killed every worker before it started, forever (seen with 4 workers on 2 busy cores).
WORKER_HEALTHCHECK_SECONDS = 300
# Idle kept-alive connections are closed after this long (uvicorn's default is 5 s): a client that waits
# longer between two requests than that, as loaded API clients and proxies do, reconnects for nothing.
KEEP_ALIVE_SECONDS = 30


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int | None = typer.Option(
        None,
        help=(
            "Worker processes (default: 1 on SQLite, whose writes queue behind one writer; "
            "2 per core on PostgreSQL)."
        ),
    ),
    access_log: bool = typer.Option(True, help="Log every request (uvicorn's access log)."),
) -> None:
    """Serve the web interface and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    settings = cli_settings()
    if workers is None:
        workers = 1 if settings.is_sqlite else 2 * (os.cpu_count() or 1)
    if settings.is_sqlite and workers > 1:
        # WAL lets the processes read in parallel; their writes wait their turn (busy timeout).
        console.print(f"[yellow]SQLite: {workers} worker processes share one writer[/yellow]")
    console.print(
        f"serving on http://{host}:{port} with {workers} worker(s); store: {settings.resolved_database_url()}"
    )
    uvicorn.run(
        "countermark.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log is not False,  # called from `countermark demo` the option is its default
        proxy_headers=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
