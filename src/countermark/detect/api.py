"""Detection API: score listings in the ingestion schema without storing them.

`POST /api/v1/detect/score` takes `{"listings": [...], "language": "en"}` (at most `MAX_LISTINGS`
listings, `MAX_BODY_BYTES` bytes, read on the loop by a small async dependency and refused with 413
beyond), then validates and scores in the thread pool (a plain `def` route: scoring is CPU work).
Photos are not fetched: a listing's `images` are URLs or paths the server must not follow; the photo
signals come from stored listings' matches instead. Listings are compared with the marks, products and
authorised sellers the caller's organisation may see in the store (`store_references`), else with the
model's own references.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError, InvalidInput
from countermark.core.http.deps import app_context
from countermark.detect.batch import score_rows, scored_json
from countermark.detect.model_store import current_model
from countermark.detect.reasons import LANGUAGES
from countermark.detect.store_references import model_for_owner
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1/detect", tags=["detect"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
MAX_BODY_BYTES = 2 * 2**20
MAX_LISTINGS = 500


class TooLarge(CountermarkError):
    """The request body is larger than the route accepts."""

    status = 413
    code = "too_large"


def _too_large() -> TooLarge:
    return TooLarge.of(
        "the body is larger than {most} bytes: send fewer listings per request", most=MAX_BODY_BYTES
    )


async def bounded_json(request: Request) -> Any:
    """The request's JSON body, read up to MAX_BODY_BYTES (413 beyond, 422 when it is not JSON)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    try:
        return json.loads(bytes(body))
    except ValueError as exc:
        raise InvalidInput.of("the body is not valid JSON: {reason}", reason=str(exc)) from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise InvalidInput.of("the body is not valid JSON: {reason}", reason="nested too deeply") from None


@router.post("/score", summary="Score listings (ingestion schema) without storing them")
def score_listings(
    principal: Reader,
    payload: Annotated[Any, Depends(bounded_json)],
    ctx: Annotated[AppContext, Depends(app_context)],
) -> dict[str, Any]:
    """Each valid listing's calibrated probability, alert decision and reasons; invalid ones with reasons."""
    if not isinstance(payload, dict) or not isinstance(payload.get("listings"), list):
        raise InvalidInput.of('the body must be an object {{"listings": [...], "language": "en"}}')
    listings = payload["listings"]
    language = payload.get("language", "en")
    if not isinstance(language, str) or language not in LANGUAGES:
        raise InvalidInput.of("language must be one of {languages}", languages=", ".join(LANGUAGES))
    if not listings:
        raise InvalidInput.of("send at least one listing")
    if len(listings) > MAX_LISTINGS:
        raise InvalidInput.of(
            "at most {most} listings per request, not {count}", most=MAX_LISTINGS, count=len(listings)
        )
    model = current_model(ctx)
    if principal.org_id is not None:
        # Against the marks, products and authorised sellers the caller's organisation may see in the store.
        with ctx.sessions() as session:
            model = model_for_owner(
                session=session, model=model, owner_org_id=principal.org_id, today=utcnow().date()
            )
    rows = [
        (index, item, None) if isinstance(item, dict) else (index, None, "each listing must be a JSON object")
        for index, item in enumerate(listings, start=1)
    ]
    result = score_rows(model, rows, language=language)
    return {
        "scored": [scored_json(index, item) for index, item in result.scored],
        "rejected": result.rejected,
        "threshold": model.threshold,
        "trained_at": model.trained_at.isoformat(),
    }
