"""Private matching for partner instances: the PSI answering side, and requests for assistance inbound.

A partner posts a PSI request with its token; the values we intersect are the identifiers of the
records our agreement with it covers (`share.matching_service.offered_values`), so a partner learns
which of its own values we hold there and nothing else. The work is CPU-heavy: it runs in the thread
pool, with the body bounded.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from countermark.core.errors import InvalidInput
from countermark.core.http.deps import DbSession
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal
from countermark.share import psi
from countermark.share.matching_service import offered_values

router = APIRouter(prefix="/api/v1/share", tags=["sharing"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


class PsiIn(BaseModel):
    """A PSI request of a partner instance."""

    request: str = Field(min_length=1, max_length=40_000_000, description="the PSI request, base64")
    count: int = Field(ge=1, le=psi.MAX_VALUES, description="how many values the request holds")


class PsiOut(BaseModel):
    """Our answer: the setup message and the response, base64."""

    setup: str
    response: str
    offered: int


@router.post("/psi", summary="Private set intersection of identifiers with a partner instance")
async def private_match(body: PsiIn, request: Request, session: DbSession, principal: Reader) -> PsiOut:
    """Answer a partner's PSI request over the identifiers our agreement with it covers."""

    def work() -> PsiOut:
        values = offered_values(session, principal)
        try:
            setup, response = psi.answer(body.request, body.count, values)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        return PsiOut(setup=setup, response=response, offered=len(values))

    return await run_in_threadpool(work)
