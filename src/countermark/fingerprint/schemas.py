"""Fingerprint API shapes: banks in and out, entries, and match results that respect markings."""

from __future__ import annotations

from pydantic import BaseModel, Field

from countermark.core.marking import DEFAULT_TLP, Tlp


class BankIn(BaseModel):
    """A bank to create."""

    name: str = Field(min_length=1, max_length=200)
    purpose: str = Field(pattern="^(genuine|infringing)$")
    description: str | None = None
    tlp: Tlp = DEFAULT_TLP
    sharing_group_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    match_scope: str = Field(default="readers", pattern="^(readers|sharing_group|everyone)$")


class BankOut(BaseModel):
    """A bank as its readers see it."""

    id: int
    name: str
    purpose: str
    description: str | None
    owner_org_id: int
    tlp: str
    match_scope: str
    enabled: bool
    entries: int


class MatchOut(BaseModel):
    """One match. Who may only match against a bank sees the right or product, never the entry itself."""

    bank_id: int
    bank_name: str
    purpose: str
    product_id: int | None
    right_id: int | None
    stage: str
    distance: int
    score: float
    signal_type: str
    readable: bool
    # Only when the principal may read the bank:
    entry_id: int | None = None
    label: str | None = None
    blob_sha256: str | None = None
    signal: str | None = None
    # Video: query_share, reference_share, matched_frames; audio: bit_error_rate, offset_seconds...
    measures: dict[str, float] = Field(default_factory=dict)


class EntryOut(BaseModel):
    """An entry of a bank, for those who may read the bank."""

    id: int
    bank_id: int
    signal_type: str
    signal: str
    quality: int | None
    product_id: int | None
    right_id: int | None
    blob_sha256: str | None
    label: str | None
    enabled: bool


class SignalOut(BaseModel):
    """One signal of an upload, with the rule that decides a match and the source of that rule."""

    signal_type: str
    signal: str
    quality: int | None = None
    threshold: str
    source: str


class HashOut(BaseModel):
    """What an upload is and its signals."""

    kind: str
    size: int
    signals: list[SignalOut]


class LookupOut(BaseModel):
    """The matches of an upload or a signal in the banks the principal may match against."""

    kind: str
    signals: list[SignalOut]
    matches: list[MatchOut]


class ComparisonOut(BaseModel):
    """Two uploads compared on one signal type: the distance (or similarity), the rule and the verdict."""

    signal_type: str
    value: float
    measure: str
    is_match: bool
    threshold: str
    source: str


class CompareOut(BaseModel):
    """Two uploads compared on every signal type they share."""

    kind_a: str
    kind_b: str
    comparisons: list[ComparisonOut]


class BulkItem(BaseModel):
    """A stored blob to enrol, with what it concerns."""

    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    product_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    right_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    label: str | None = Field(default=None, max_length=300)


class BulkIn(BaseModel):
    """Stored blobs to enrol in a bank (each must belong to a record the principal may see)."""

    items: list[BulkItem] = Field(min_length=1, max_length=1000)


class BulkOut(BaseModel):
    """What a bulk enrolment did: the entries, and one reason per item that could not be enrolled."""

    entries: list[EntryOut]
    problems: list[str]


class EnabledIn(BaseModel):
    """Whether a bank or an entry matches."""

    enabled: bool
