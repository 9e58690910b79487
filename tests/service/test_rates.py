"""Exchange rates the store keeps: imported once per currency and day, corrections replace, the rate in force
is the latest on or before the day, and stored scoring converts prices at the store's rates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.models import ExchangeRate
from countermark.core.rates import Rate, euros_per_unit, rates_in_force, read_rates, store_rates
from countermark.detect.engine import score
from countermark.detect.store_references import model_for_owner
from countermark.orgs.service import create_organisation
from tests.unit.test_detect_engine import listing, tiny_model
from tests.unit.test_rates import HIST_CSV, XML

TODAY = date(2026, 12, 7)


def test_rates_are_stored_once_and_a_correction_replaces_its_day(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        first = store_rates(session, read_rates(HIST_CSV, today=TODAY).rates)
        assert (first.stored, first.updated, first.unchanged) == (5, 0, 0)
        again = store_rates(session, read_rates(HIST_CSV, today=TODAY).rates)
        assert (again.stored, again.updated, again.unchanged) == (0, 0, 5)
        # The XML repeats USD on both days: the 4th's unchanged, the 3rd's the same; KRW is new.
        xml = store_rates(session, read_rates(XML, today=TODAY).rates)
        assert (xml.stored, xml.updated, xml.unchanged) == (1, 0, 2)
        fixed = store_rates(session, [Rate("USD", date(2026, 12, 4), 1.06, "ECB (corrected)")])
        assert (fixed.stored, fixed.updated, fixed.unchanged) == (0, 1, 0)
        assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 6


def test_the_rate_in_force_is_the_latest_on_or_before_the_day(store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        assert euros_per_unit(session, TODAY) == {}
        store_rates(session, read_rates(HIST_CSV, today=TODAY).rates)
        on_3rd = {r.currency: (r.per_eur, r.day.day) for r in rates_in_force(session, date(2026, 12, 3))}
        assert on_3rd == {"USD": (1.0561, 3), "JPY": (158.90, 3), "ISK": (146.1, 3)}
        # On the 6th: the 4th's USD and JPY, and ISK still the 3rd's (the ECB gave none on the 4th).
        on_6th = {r.currency: (r.per_eur, r.day.day) for r in rates_in_force(session, date(2026, 12, 6))}
        assert on_6th == {"USD": (1.0553, 4), "JPY": (158.38, 4), "ISK": (146.1, 3)}
        assert rates_in_force(session, date(2026, 12, 2)) == []
        worth = euros_per_unit(session, date(2026, 12, 6))
        assert worth["EUR"] == 1.0 and abs(worth["JPY"] - 1 / 158.38) < 1e-12


def test_stored_scoring_converts_prices_at_the_stores_rates(store: AppContext) -> None:
    model = tiny_model()  # its own table knows EUR and USD only
    offer = listing("Kelondo Ondine EDP 30ml", price=5000.0, currency="JPY")  # some 31 EUR: under half
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Market", kind="platform", country="FR").id
        before = model_for_owner(session=session, model=model, owner_org_id=org, today=TODAY, version="v")
        assert before is model
        (unconverted,) = score(before, [(offer, None)])
        assert "price_low" not in {s["name"] for s in unconverted.signals}
        store_rates(session, read_rates(HIST_CSV, today=TODAY).rates)
        view = model_for_owner(session=session, model=model, owner_org_id=org, today=TODAY, version="v")
        assert view is not model and view.references.fx_to_eur["JPY"] == 1 / 158.38
        assert view.references.fx_to_eur["USD"] == 1 / 1.0553  # the store's rate, not the model's 0.9
        assert view.references.marks == model.references.marks
        (converted,) = score(view, [(offer, None)])
        low = next(s for s in converted.signals if s["name"] == "price_low")
        assert (low["price"], low["currency"]) == (f"{5000 / 158.38:.2f}", "EUR")
        assert model_for_owner(session=session, model=model, owner_org_id=org, today=TODAY,
                               version="v") is view  # fmt: skip


def test_the_rates_commands_import_a_file_and_show_the_rates_in_force(
    cli_env: AppContext, tmp_path: Path
) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["rates", "show"])
    assert empty.exit_code == 0 and "no exchange rates stored" in empty.output
    path = tmp_path / "rates.csv"
    path.write_bytes(HIST_CSV + b"2026-12-02,abc,158.1,\n")
    first = runner.invoke(app, ["rates", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "6 rates stored, 0 corrected, 0 unchanged, 1 refused" in first.output
    assert "line 4 USD: rate 'abc' is not a number" in first.output
    rejects = tmp_path / "rates.csv.rejects.jsonl"
    assert [json.loads(line) for line in rejects.read_text().splitlines()] == [
        {"where": "line 4 USD", "errors": ["rate 'abc' is not a number"]}
    ]
    again = runner.invoke(app, ["rates", "import", str(path)])
    assert "0 rates stored, 0 corrected, 6 unchanged, 1 refused" in again.output
    shown = runner.invoke(app, ["rates", "show", "--on", "2026-12-03"], terminal_width=200)
    assert shown.exit_code == 0 and "158.9" in shown.output and "146.1" in shown.output
    bad_day = runner.invoke(app, ["rates", "show", "--on", "yesterday"])
    assert bad_day.exit_code != 0 and "not a date" in bad_day.output
    junk = tmp_path / "junk.csv"
    junk.write_text("name,value\nx,1\n")
    path.write_bytes(HIST_CSV)  # mended: the refusals of the run before are no longer beside it
    assert "0 rates stored, 0 corrected, 5 unchanged, 0 refused" in runner.invoke(
        app, ["rates", "import", str(path)]
    ).output
    assert not rejects.exists()
    refused = runner.invoke(app, ["rates", "import", str(junk)])
    assert refused.exit_code == 2 and "unknown rate file" in refused.output
    with unit_of_work(cli_env.sessions) as session:
        assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 6
