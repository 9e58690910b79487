"""Targeting pages: today's list, a declaration's score breakdown and inspection form, rules, performance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from countermark.core.errors import Forbidden, InvalidInput
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.error_text import page_error
from countermark.core.http.form_errors import form_error
from countermark.core.http.params import RecordId
from countermark.core.http.templating import environment, render, request_locale, translations
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.orgs.visibility import visible, visible_clause
from countermark.targeting.charts import rate_line_chart
from countermark.targeting.models import InspectionResult, Shipment, TargetingDecision
from countermark.targeting.registry_service import org_of
from countermark.targeting.schemas import InspectionEntry, RuleIn
from countermark.targeting.scoring_api import (
    decisions_of_day,
    latest_selection_day,
    record_inspection,
    rules_of,
    score_shipments,
    visible_shipments,
)
from countermark.targeting.service import save_rule

router = APIRouter(include_in_schema=False)
# The labels the forms show for their fields (English; the catalogues translate them), so that a refused
# field is named on the page as the reader sees it.
INSPECTION_LABELS = {
    "inspected_on": "Inspected on",
    "lane": "Lane",
    "found": "Infringement or fraud found",
    "severity": "Severity",
    "finding": "Finding",
    "officer": "Officer",
    "notes": "Notes",
}
RULE_LABELS = {
    "name": "Name",
    "expression": "Expression",
    "reason": "Reason",
    "instruction": "Instruction",
    "lane": "Lane",
    "weight": "Weight",
}


@dataclass(frozen=True)
class WeekPerformance:
    """One week of recorded inspections: how many, how many found something, and the two rates."""

    week: date
    inspections: int
    found: int
    targeted: int
    targeted_found: int

    @property
    def hit_rate(self) -> float | None:
        """Share of all inspections that found something."""
        return self.found / self.inspections if self.inspections else None

    @property
    def precision(self) -> float | None:
        """Share of the inspections targeting chose (red or yellow, not exploration) that found something."""
        return self.targeted_found / self.targeted if self.targeted else None


def _page(request: Request, template: str, viewer: Viewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "targeting", **values})


def _need_write(viewer: Viewer) -> None:
    if "write" not in viewer.principal.scopes:
        raise Forbidden.of("this needs the 'write' scope")


def weekly_performance(rows: list[tuple[date, bool, bool]]) -> list[WeekPerformance]:
    """Group (inspected on, found, targeted) rows into weeks starting on Monday, oldest first."""
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for inspected_on, found, targeted in rows:
        week = counts[inspected_on - timedelta(days=inspected_on.weekday())]
        week[0] += 1
        week[1] += int(found)
        week[2] += int(targeted)
        week[3] += int(found and targeted)
    return [WeekPerformance(day, *values) for day, values in sorted(counts.items())]


@router.get("/targeting")
def targeting_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The latest selection day's decisions: red, yellow, green, each with score, lane and reasons."""
    day = latest_selection_day(session, viewer.principal)
    decisions = decisions_of_day(session, viewer.principal, day) if day else []
    return _page(request, "targeting_list.html", viewer, day=day, decisions=decisions)


@router.get("/targeting/declarations/{record_id}")
def declaration_page(
    record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer
) -> Response:
    """One declaration with its score breakdown and the inspection result form."""
    return _declaration(request, session, viewer, record_id)


def _declaration(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    record_id: int,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    shipment = visible_shipments(session, viewer.principal, [record_id])[0]
    scored = score_shipments(app_context(request), session, viewer.principal, [shipment])[0]
    decision = session.scalar(
        visible(TargetingDecision, viewer.principal)
        .where(TargetingDecision.shipment_id == shipment.id)
        .order_by(TargetingDecision.selected_on.desc())
        .limit(1)
    )
    results = session.scalars(
        visible(InspectionResult, viewer.principal)
        .where(InspectionResult.shipment_id == shipment.id)
        .order_by(InspectionResult.inspected_on.desc(), InspectionResult.id.desc())
    ).all()
    return render(
        request,
        "targeting_declaration.html",
        {
            "viewer": viewer,
            "active": "targeting",
            "shipment": shipment,
            "scored": scored,
            "decision": decision,
            "results": results,
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.post("/targeting/declarations/{record_id}/inspections")
def inspection_form(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    inspected_on: str = Form(""),
    lane: str = Form("red"),
    found: str = Form(""),
    severity: str = Form("0"),
    finding: str = Form("", max_length=200),
    officer: str = Form("", max_length=200),
    notes: str = Form("", max_length=5000),
) -> Response:
    """Record an inspection result entered on the declaration page."""
    check_csrf(viewer.web_session, csrf_token)
    _need_write(viewer)
    shipment = visible_shipments(session, viewer.principal, [record_id])[0]
    form = {
        "inspected_on": inspected_on,
        "lane": lane,
        "found": found,
        "severity": severity,
        "finding": finding,
        "officer": officer,
        "notes": notes,
    }
    try:
        entry = InspectionEntry(
            inspected_on=inspected_on or None,
            lane=lane,
            found=found in ("1", "true", "on", "yes"),
            severity=severity or 0,
            finding=finding or None,
            officer=officer or None,
            notes=notes or None,
        )
        record_inspection(session, viewer.principal, shipment, entry, client_origin(request))
    except (ValidationError, InvalidInput) as exc:
        refusal = form_error(exc, INSPECTION_LABELS) if isinstance(exc, ValidationError) else exc
        message = page_error(request, refusal)
        return _declaration(request, session, viewer, record_id, error=message, form=form, status_code=422)
    return RedirectResponse(f"/targeting/declarations/{shipment.id}", status_code=303)


@router.get("/targeting/rules")
def rules_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The organisation's rule profiles and the rule editor."""
    return _rules(request, session, viewer)


def _rules(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "targeting_rules.html",
        {
            "viewer": viewer,
            "active": "targeting",
            "rules": rules_of(session, viewer.principal),
            "error": error,
            "form": form or {"lane": "red", "weight": "0.5"},
        },
        status_code=status_code,
    )


@router.post("/targeting/rules")
def rule_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    name: str = Form("", max_length=100),
    expression: str = Form("", max_length=2000),
    reason: str = Form("", max_length=2000),
    instruction: str = Form("", max_length=2000),
    lane: str = Form("red"),
    weight: str = Form("0.5"),
) -> Response:
    """Create or replace a rule from the editor; an unsafe or malformed rule is shown back with the reason."""
    check_csrf(viewer.web_session, csrf_token)
    _need_write(viewer)
    form = {
        "name": name,
        "expression": expression,
        "reason": reason,
        "instruction": instruction,
        "lane": lane,
        "weight": weight,
    }
    try:
        rule = RuleIn.model_validate(form)
        save_rule(
            session=session, owner_org_id=org_of(viewer.principal), rule=rule, actor=viewer.principal.email
        )
    except (ValidationError, InvalidInput) as exc:
        refusal = form_error(exc, RULE_LABELS) if isinstance(exc, ValidationError) else exc
        message = page_error(request, refusal)
        return _rules(request, session, viewer, error=message, form=form, status_code=422)
    return RedirectResponse("/targeting/rules", status_code=303)


@router.get("/targeting/performance")
def performance_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Precision and hit rate of the recorded inspections, week by week, as a table and a line chart."""
    results = session.execute(
        visible(InspectionResult, viewer.principal)
        .join(Shipment, Shipment.id == InspectionResult.shipment_id)
        .where(visible_clause(Shipment, viewer.principal))
        .with_only_columns(
            InspectionResult.shipment_id, InspectionResult.inspected_on, InspectionResult.found
        )
    ).all()
    ids = {shipment_id for shipment_id, _, _ in results}
    targeted = (
        set(
            session.scalars(
                select(TargetingDecision.shipment_id).where(
                    visible_clause(TargetingDecision, viewer.principal),
                    TargetingDecision.shipment_id.in_(ids),
                    TargetingDecision.lane.in_(("red", "yellow")),
                    TargetingDecision.exploration.is_(False),
                )
            )
        )
        if ids
        else set()
    )
    weeks = weekly_performance([(on, found, sid in targeted) for sid, on, found in results])
    locale = request_locale(request)
    _ = translations(locale).gettext
    date_filter = cast(Callable[[date], str], environment(locale).filters["date"])
    chart = rate_line_chart(
        {
            _("Precision"): [(w.week, w.precision) for w in weeks],
            _("Hit rate"): [(w.week, w.hit_rate) for w in weeks],
        },
        title=_("Precision and hit rate by week"),
        empty_text=_("No inspection results recorded yet."),
        date_label=date_filter,
    )
    return _page(request, "targeting_performance.html", viewer, weeks=weeks, chart=chart)
