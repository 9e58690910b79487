"""The visibility function against a simple reference model of the rules (property-based)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import String, create_engine, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from countermark.core.marking import TLP_LEVELS
from countermark.orgs.visibility import PUBLIC, SYSTEM, Principal, can_see, visible_clause

ORG_IDS = st.integers(min_value=1, max_value=6)
GROUP_IDS = st.one_of(st.none(), st.integers(min_value=1, max_value=4))


def reference(
    viewer_org: int | None, groups: frozenset[int], owner: int, tlp: str, group: int | None
) -> bool:
    """The rules as a table: owner sees all; CLEAR is public; GREEN is the community; else the group."""
    if tlp == "CLEAR":
        return True
    if viewer_org is None:
        return False
    if viewer_org == owner:
        return True
    if tlp == "GREEN":
        return True
    return group is not None and group in groups


@given(
    viewer=st.one_of(st.none(), ORG_IDS),
    groups=st.frozensets(st.integers(1, 4), max_size=4),
    owner=ORG_IDS,
    tlp=st.sampled_from(TLP_LEVELS),
    group=GROUP_IDS,
)
def test_can_see_matches_the_reference_model(
    viewer: int | None, groups: frozenset[int], owner: int, tlp: str, group: int | None
) -> None:
    principal = Principal(org_id=viewer, group_ids=groups if viewer is not None else frozenset())
    assert can_see(principal, owner_org_id=owner, tlp=tlp, sharing_group_id=group) == reference(
        viewer, principal.group_ids, owner, tlp, group
    )


@given(owner=ORG_IDS, tlp=st.sampled_from(TLP_LEVELS), group=GROUP_IDS)
def test_the_system_sees_everything_and_the_public_only_clear(
    owner: int, tlp: str, group: int | None
) -> None:
    assert can_see(SYSTEM, owner_org_id=owner, tlp=tlp, sharing_group_id=group)
    assert can_see(PUBLIC, owner_org_id=owner, tlp=tlp, sharing_group_id=group) == (tlp == "CLEAR")


@given(viewer=ORG_IDS, owner=ORG_IDS, group=st.integers(1, 4))
def test_red_is_never_visible_outside_owner_and_group(viewer: int, owner: int, group: int) -> None:
    outsider = Principal(org_id=viewer, group_ids=frozenset())
    assert can_see(outsider, owner_org_id=owner, tlp="RED", sharing_group_id=group) == (viewer == owner)


class _Base(DeclarativeBase):
    pass


class _Marked(_Base):
    """A throwaway marked table to compare the SQL clause with the pure rule."""

    __tablename__ = "marked"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int]
    tlp: Mapped[str] = mapped_column(String(16))
    sharing_group_id: Mapped[int | None]


_engine = create_engine("sqlite://")
_Base.metadata.create_all(_engine)

RECORDS = st.lists(st.tuples(ORG_IDS, st.sampled_from(TLP_LEVELS), GROUP_IDS), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    records=RECORDS, viewer=st.one_of(st.none(), ORG_IDS), groups=st.frozensets(st.integers(1, 4), max_size=4)
)
def test_the_sql_clause_selects_exactly_what_can_see_allows(
    records: list[tuple[int, str, int | None]], viewer: int | None, groups: frozenset[int]
) -> None:
    principal = Principal(org_id=viewer, group_ids=groups if viewer is not None else frozenset())
    with Session(_engine) as session:
        session.execute(delete(_Marked))
        session.add_all(
            _Marked(id=i, owner_org_id=o, tlp=t, sharing_group_id=g) for i, (o, t, g) in enumerate(records)
        )
        session.flush()
        selected = set(session.scalars(select(_Marked.id).where(visible_clause(_Marked, principal))))
        session.rollback()
    allowed = {
        i
        for i, (o, t, g) in enumerate(records)
        if can_see(principal, owner_org_id=o, tlp=t, sharing_group_id=g)
    }
    assert selected == allowed
