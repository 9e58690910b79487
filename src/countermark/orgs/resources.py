"""Read routes of a marked resource: list (filters, sort, cursor pagination), detail and CSV export.

Every query starts from `visible(model, principal)`: no route filters by hand.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import BigInteger, Select, and_, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from countermark.core.errors import Code, InvalidInput, NotFound
from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.labels import LABELS
from countermark.core.http.params import MAX_ID, PAGE_SIZE, RecordId, bounded_int, clean_text
from countermark.core.validation import encodable
from countermark.orgs.deps import require_scope
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, visible, visible_clause

MAX_LIMIT = 200
RESERVED_PARAMS = frozenset({"limit", "cursor", "sort", "q"})
MAX_PARAM_LENGTH = 2000
# Integer columns are 32-bit on PostgreSQL; BigInteger ones still must fit SQLite's 64-bit integers.
INT32 = (-MAX_ID - 1, MAX_ID)
INT64 = (-(2**63), 2**63 - 1)


class Page(BaseModel):
    """A page of results and the cursor of the next one (null at the end)."""

    items: list[Any]
    next_cursor: str | None
    limit: int


@dataclass(frozen=True)
class ResourceSpec:
    """How a marked table is exposed: its output schema, filters, text search and sort keys."""

    name: str
    model: Any
    out: type[BaseModel]
    filters: dict[str, str] = field(default_factory=dict)
    text_fields: tuple[str, ...] = ()
    sort_fields: tuple[str, ...] = ("id",)
    default_sort: str = "-id"
    detail: Callable[[Session, Any, Principal], dict[str, Any]] | None = None

    @property
    def all_filters(self) -> dict[str, str]:
        """The resource's filters plus the identity filters every ingested record has."""
        return {"source": "source", "external_id": "external_id", **self.filters}


def _coerce(column: Any, raw: Any) -> Any:
    python_type = column.type.python_type
    if raw is None:
        return None
    if python_type is int:
        low, high = INT64 if isinstance(column.type, BigInteger) else INT32
        return bounded_int(raw, what=column.key, low=low, high=high)
    if not isinstance(raw, str) or "\x00" in raw or not _encodes(raw):
        # A cursor's value is ours but can be forged: no NUL (PostgreSQL refuses it), only encodable text.
        raise InvalidInput.of("not a valid value for {field}", field=column.key)
    try:
        if python_type is datetime:
            return datetime.fromisoformat(raw)
        if python_type is date:
            return date.fromisoformat(raw)
        if python_type is Decimal:
            return Decimal(raw)
        if python_type is bool:
            return str(raw).lower() in ("1", "true", "yes")
        return python_type(raw)
    except (ValueError, TypeError, InvalidOperation):
        raise InvalidInput.of(
            "{value!r} is not a valid value for {field}", value=raw, field=column.key
        ) from None


def _encodes(text: str) -> bool:
    try:
        encodable(text)
    except ValueError:
        return False
    return True


def _check_param(name: str, value: str) -> None:
    """A query value the database can take: bounded, no control characters, encodable text."""
    if len(value) > MAX_PARAM_LENGTH:
        raise InvalidInput.of(
            "{name} is too long: at most {most} characters", name=name, most=MAX_PARAM_LENGTH
        )
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput.of("{name} contains control characters", name=name)
    if not _encodes(value):
        raise InvalidInput.of("{name} is not valid text: it cannot be encoded as UTF-8", name=name)


def _encode_cursor(sort: str, value: Any, row_id: int) -> str:
    payload = json.dumps(
        [sort, value.isoformat() if isinstance(value, (date, datetime)) else str(value), row_id]
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise InvalidInput.of("the cursor is not valid: use the next_cursor of the previous page") from None
    if cursor_sort != sort or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise InvalidInput.of("the cursor belongs to another sort order: start again without a cursor")
    if not 0 <= row_id <= MAX_ID or not isinstance(value, str):
        raise InvalidInput.of("the cursor is not valid: use the next_cursor of the previous page")
    return value, row_id


def list_query(spec: ResourceSpec, principal: Principal, params: dict[str, str]) -> tuple[Select[Any], str]:
    """The visible, filtered and sorted query of a list request, and its sort key."""
    filters = spec.all_filters
    unknown = sorted(set(params) - RESERVED_PARAMS - set(filters))
    if unknown:
        raise InvalidInput.of(
            "unknown parameter(s) {unknown}; filters here: {filters}",
            unknown=", ".join(unknown),
            filters=", ".join(filters),
        )
    for name, value in params.items():
        _check_param(name, value)
    query = visible(spec.model, principal)
    for param, column_name in filters.items():
        if param in params:
            column = getattr(spec.model, column_name)
            query = query.where(column == _coerce(column, params[param]))
    text = params.get("q", "").strip()
    if text and spec.text_fields:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(*(func.lower(getattr(spec.model, f)).like(pattern) for f in spec.text_fields))
        )
    sort = params.get("sort", spec.default_sort)
    key = sort.removeprefix("-")
    if key not in spec.sort_fields:
        raise InvalidInput.of(
            "cannot sort by {key!r}; sort by one of {fields} (prefix - for descending)",
            key=key,
            fields=", ".join(spec.sort_fields),
        )
    return query, sort


def paginate(
    session: Session,
    spec: ResourceSpec,
    query: Select[Any],
    sort: str,
    *,
    limit: int,
    cursor: str | None,
    plain: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of the query in keyset order (sort key, then id) and the next cursor.

    `plain`: the query selects columns (including the sort column and id), and the rows are returned as
    they come, not as ORM objects.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.of("limit must be between 1 and {most}", most=MAX_LIMIT)
    descending = sort.startswith("-")
    column = getattr(spec.model, sort.removeprefix("-"))
    row_id = spec.model.id
    if cursor:
        raw_value, last_id = _decode_cursor(cursor, sort)
        value = _coerce(column, raw_value)
        if descending:
            query = query.where(or_(column < value, and_(column == value, row_id < last_id)))
        else:
            query = query.where(or_(column > value, and_(column == value, row_id > last_id)))
    order = (column.desc(), row_id.desc()) if descending else (column.asc(), row_id.asc())
    ordered = query.order_by(*order).limit(limit + 1)
    # A query narrowed to columns (`output_columns`) gives plain rows: no ORM objects to build.
    rows = list(session.execute(ordered) if plain else session.scalars(ordered))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor(sort, getattr(last, column.key), last.id)
    return rows, next_cursor


def output_columns(spec: ResourceSpec) -> list[Any] | None:
    """The model's columns that make the output schema (and the sort keys), when every field is a column.

    A list page needs nothing else; reading these as rows spares building an ORM object per row (about a
    third of a page's CPU). None when the schema has a field that is not a plain column.
    """
    table_columns = set(sa_inspect(spec.model).column_attrs.keys())
    names = list(spec.out.model_fields)
    for extra in ("id", *(key.removeprefix("-") for key in spec.sort_fields)):
        if extra not in names:
            names.append(extra)
    if any(name not in table_columns for name in names):
        return None
    return [getattr(spec.model, name) for name in names]


def get_visible_or_404(session: Session, spec: ResourceSpec, principal: Principal, record_id: int) -> Any:
    """The record if it exists and the principal may see it; the same 404 otherwise (no existence leak)."""
    row = session.scalar(visible(spec.model, principal).where(spec.model.id == record_id))
    if row is None:
        kind = spec.name.rstrip("s")
        raise NotFound.of(
            "no {kind} {record_id} that you may see",
            kind=Code(kind, LABELS.get(kind, kind.replace("_", " "))),
            record_id=record_id,
        )
    return row


def _filter_parameters(spec: ResourceSpec) -> list[dict[str, Any]]:
    documented = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": f"only records whose {column} equals this",
        }
        for name, column in spec.all_filters.items()
    ]
    documented.append(
        {
            "name": "q",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": f"text contained in {', '.join(spec.text_fields) or 'nothing'}",
        }
    )
    documented.append(
        {
            "name": "sort",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": f"one of {', '.join(spec.sort_fields)}, '-' prefix for descending",
        }
    )
    return documented


def add_resource_routes(router: APIRouter, spec: ResourceSpec) -> None:
    """Register list, export and detail routes of a resource on the router."""
    reader = Depends(require_scope("read"))
    out = spec.out
    rows_json = TypeAdapter(list[out])  # type: ignore[valid-type]
    columns = output_columns(spec)

    @router.get(
        f"/{spec.name}",
        summary=f"List {spec.name}",
        response_model=Page,
        openapi_extra={"parameters": _filter_parameters(spec)},
        name=f"list_{spec.name}",
    )
    def list_route(
        request: Request,
        session: DbSession,
        principal: Principal = reader,
        limit: int = PAGE_SIZE,  # checked by paginate (1..MAX_LIMIT), whose message says what to send
        cursor: Annotated[str | None, Query(max_length=MAX_PARAM_LENGTH)] = None,
    ) -> Response:
        query, sort = list_query(spec, principal, dict(request.query_params))
        if columns is not None:
            query = query.with_only_columns(*columns)
        rows, next_cursor = paginate(
            session, spec, query, sort, limit=limit, cursor=cursor, plain=columns is not None
        )
        # The rows are validated once by their output schema and written as JSON by pydantic's serialiser;
        # answering with the bytes spares FastAPI validating the page again, walking it with
        # jsonable_encoder and encoding it with the json module (most of a page's CPU).
        items = rows_json.dump_json(rows_json.validate_python(rows, from_attributes=True))
        return Response(
            b'{"items":%b,"next_cursor":%b,"limit":%d}' % (items, json.dumps(next_cursor).encode(), limit),
            media_type="application/json",
        )

    @router.get(
        f"/{spec.name}/export.csv",
        summary=f"Export {spec.name} as CSV",
        name=f"export_{spec.name}",
        openapi_extra={"parameters": _filter_parameters(spec)},
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    def export_route(request: Request, session: DbSession, principal: Principal = reader) -> Response:
        params = {k: v for k, v in request.query_params.items() if k not in ("limit", "cursor")}
        query, _ = list_query(spec, principal, params)
        rows = list(session.scalars(query.order_by(spec.model.id)))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(out.model_fields))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v) if isinstance(v, (list, dict)) else v
                    for k, v in out.model_validate(row).model_dump(mode="json").items()
                }
            )
        record_audit(
            session=session,
            actor=principal.email,
            org_id=principal.org_id,
            action="export",
            subject_type=spec.name,
            origin=client_origin(request),
            detail={"rows": len(rows), **params},
        )
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="{spec.name}.csv"'},
        )

    @router.get(
        f"/{spec.name}/{{record_id}}",
        summary=f"One of the {spec.name}",
        name=f"get_{spec.name}",
        response_model=dict[str, Any],
    )
    def detail_route(record_id: RecordId, session: DbSession, principal: Principal = reader) -> Response:
        row = get_visible_or_404(session, spec, principal, record_id)
        body = out.model_validate(row).model_dump(mode="json")
        if spec.detail is not None:
            body.update(spec.detail(session, row, principal))
        return JSONResponse(jsonable_encoder(body) if spec.detail is not None else body)


def resource_router(prefix: str, tag: str, specs: Sequence[ResourceSpec]) -> APIRouter:
    """A router with the read routes of each resource."""
    router = APIRouter(prefix=prefix, tags=[tag])
    for spec in specs:
        add_resource_routes(router, spec)
    return router


@dataclass(frozen=True)
class ListPage:
    """One page of a list: the rows, the filters in force and the link to the next page."""

    rows: list[Any]
    params: dict[str, str]
    next_url: str | None
    limit: int


def list_page(request: Request, session: Session, spec: ResourceSpec, principal: Principal) -> ListPage:
    """The visible rows of a list page, filtered by the query string; bad values give 422, never 500."""
    query_params = request.query_params
    params: dict[str, str] = {}
    for key in (*spec.filters, "q", "sort"):
        value = clean_text(query_params.get(key), what=key)
        if value:
            params[key] = value
    raw_limit = query_params.get("limit") or str(PAGE_SIZE)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidInput.of("limit must be a number between 1 and {most}", most=MAX_LIMIT)
    limit = int(raw_limit)
    cursor = clean_text(query_params.get("cursor"), what="cursor") or None
    query, sort = list_query(spec, principal, params)
    rows, next_cursor = paginate(session, spec, query, sort, limit=limit, cursor=cursor)
    next_url = None
    if next_cursor:
        next_url = f"{request.url.path}?{urlencode({**params, 'limit': limit, 'cursor': next_cursor})}"
    return ListPage(rows=rows, params=params, next_url=next_url, limit=limit)


def choices(
    session: Session, model: Any, column_name: str, principal: Principal, *, limit: int = 100
) -> list[str]:
    """The distinct non-empty values of a column among the visible rows, for a filter's drop-down."""
    column = getattr(model, column_name)
    query = (
        select(column)
        .distinct()
        .where(visible_clause(model, principal), column.is_not(None))
        .order_by(column)
        .limit(limit)
    )
    return [str(value) for value in session.scalars(query) if value not in (None, "")]


def count_visible(session: Session, model: Any, principal: Principal) -> int:
    """How many rows of a marked table the principal may see."""
    return session.scalar(select(func.count()).select_from(visible(model, principal).subquery())) or 0
