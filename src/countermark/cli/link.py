"""`countermark link run|show|why`: link a world's accounts, shops and consignments into networks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from countermark.cli.common import cli_settings, console, err_console

app = typer.Typer(
    help="Network linking: accounts, shops, domains and consignors of one operator.", no_args_is_help=True
)


def _run_file(out: Path | None) -> Path:
    return out or cli_settings().data_dir / "link" / "run.json"


def _load(path: Path) -> dict[str, Any]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(
            f"no readable linking run at {path} (run `countermark link run` first): {exc}"
        ) from exc
    if not isinstance(saved, dict):
        raise typer.BadParameter(f"{path} is not a linking run")
    return saved


@app.command("run")
def run_command(
    world: Path | None = typer.Option(None, help="World directory to link (default <data_dir>/world)."),
    out: Path | None = typer.Option(None, help="Where to keep the run (default <data_dir>/link/run.json)."),
) -> None:
    """Link every account, shop and consignment of the world; ids of earlier networks are kept."""
    from countermark.eval.link import reference_hashes, world_parties, world_photos
    from countermark.eval.world_files import read_world
    from countermark.link.engine import run_linking
    from countermark.link.report import previous_ids, run_dict

    target = _run_file(out)
    previous = _load(target) if target.is_file() else {}
    files = read_world(world or cli_settings().world_dir)
    cache: dict[Path, str | None] = {}
    photos = world_photos(files, cache)
    run = run_linking(
        world_parties(files, photos),
        references=reference_hashes(files, cache),
        previous=previous_ids(previous),
        next_number=int(previous.get("next_number", 1)),
        marks=sorted({p.brand for p in files.products}),
        progress=err_console.log,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(run_dict(run), indent=1), encoding="utf-8")
    networks = [n for n in run.networks if not n.operator]
    console.print(
        f"{len(networks)} networks, {len(run.networks) - len(networks)} same-owner groups, "
        f"{len(run.hubs)} hub values kept off the links; written to {target}"
    )


@app.command("show")
def show_command(
    network: str | None = typer.Argument(None, help="A network id (all networks when omitted)."),
    out: Path | None = typer.Option(None, help="The run file (default <data_dir>/link/run.json)."),
) -> None:
    """The networks of the last run, or one network's members."""
    saved = _load(_run_file(out))
    if network is None:
        table = Table("network", "score", "members", "by kind", "operator", title="Networks")
        for item in saved["networks"]:
            kinds = ", ".join(f"{v} {k}" for k, v in sorted(item["kinds"].items()))
            table.add_row(
                item["id"],
                f"{item['score']:.2f}",
                str(len(item["members"])),
                kinds,
                "yes" if item["operator"] else "",
            )
        console.print(table)
        return
    found = next((n for n in saved["networks"] if n["id"] == network), None)
    if found is None:
        raise typer.BadParameter(f"no network {network} in the last run")
    table = Table("member", "tied by", title=f"{network} (score {found['score']:.2f})")
    for member in found["members"]:
        chain = found["chains"].get(member, [])
        table.add_row(member, " → ".join(link["evidence"] for link in chain) or "(root)")
    console.print(table)


@app.command("why")
def why_command(
    member: str = typer.Argument(..., help="A party key, e.g. sim:A-0010 or sim-customs:S-000001."),
    out: Path | None = typer.Option(None, help="The run file (default <data_dir>/link/run.json)."),
) -> None:
    """Why a party sits in its network: the chain of evidence from the network's root to it."""
    from countermark.link.report import why

    answer = why(_load(_run_file(out)), member)
    if answer is None:
        console.print(f"{member} is in no network")
        raise typer.Exit(code=1)
    console.print(f"{member} is in {answer['network']}{' (same-owner group)' if answer['operator'] else ''}")
    for link in answer["chain"]:
        console.print(f"  {link['a']} — {link['evidence']}: {link['detail']} — {link['b']}")
