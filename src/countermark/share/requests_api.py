"""Routes of requests for assistance: a partner instance sends one and reads its status; the organisation
asked moves it on."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from countermark.core.http.deps import DbSession
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal
from countermark.share import requests_service

router = APIRouter(prefix="/api/v1/share/requests", tags=["sharing"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class RequestIn(BaseModel):
    """A request for assistance from a partner instance."""

    uuid: str = Field(pattern=UUID_PATTERN)
    subject: str = Field(min_length=1, max_length=300)
    asked: str = Field(min_length=1, max_length=20_000)
    legal_basis: str = Field(min_length=1, max_length=300)
    deadline: date | None = None
    attachment_refs: list[Annotated[str, Field(max_length=120)]] = Field(default_factory=list, max_length=200)


class StatusIn(BaseModel):
    """The next status of an incoming request, and the answer when there is one."""

    status: str = Field(pattern="^(accepted|answered|refused)$")
    answer: str | None = Field(default=None, max_length=20_000)


@router.post("", status_code=201, summary="Receive a request for assistance from a partner instance")
def receive(body: RequestIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    return requests_service.as_dict(requests_service.receive_request(session, principal, body.model_dump()))


@router.get("/{request_uuid}", summary="A request's status, for the partner that sent it")
def status_of(request_uuid: str, session: DbSession, principal: Reader) -> dict[str, Any]:
    return requests_service.as_dict(requests_service.request_for_partner(session, principal, request_uuid))


@router.post("/{request_uuid}/status", summary="Accept, answer or refuse an incoming request")
def move_on(request_uuid: str, body: StatusIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    found = requests_service.set_status(session, principal, request_uuid, body.status, body.answer)
    return requests_service.as_dict(found)
