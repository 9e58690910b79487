"""TLP 2.0 markings and the columns every shareable record carries: owner, marking, sharing group.

The rule that decides who may see a marked record lives in `countermark.orgs.visibility`; the one that
decides who may change it in `countermark.orgs.ownership`. This module only describes the marking, so
that every capability's tables can carry it without depending on the organisations package.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from countermark.core.db import Base

Tlp = Literal["RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR"]
# From the most restricted to the least.
TLP_LEVELS: tuple[Tlp, ...] = get_args(Tlp)
TLP_PATTERN = "^(RED|AMBER\\+STRICT|AMBER|GREEN|CLEAR)$"
# The marking of a record when nothing else names one: what the owner shares only with named recipients.
# Deployments set their own with COUNTERMARK_DEFAULT_TLP, which new organisations take as their default.
DEFAULT_TLP: Tlp = "AMBER"


class MarkedMixin:
    """Owner, TLP 2.0 marking and optional sharing group of a shareable record."""

    tlp: Mapped[str] = mapped_column(String(16), default=DEFAULT_TLP)

    @declared_attr
    @classmethod
    def owner_org_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=True)

    @declared_attr
    @classmethod
    def sharing_group_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("sharing_groups.id"), nullable=True)


def marked_models() -> dict[str, Any]:
    """Every marked table the process has loaded, by table name (the app factory loads them all)."""
    found = {
        str(getattr(mapper.class_, "__tablename__")): mapper.class_  # noqa: B009  (declared on every table)
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, MarkedMixin)
    }
    return dict(sorted(found.items()))
