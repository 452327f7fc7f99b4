"""What the rules know after folding a prefix of the log (DESIGN §4), and a kind's rule.

Only the fold (`ledger.rules.fold`) and the kinds' `evolve` functions assign to these objects;
everyone else reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ledger.entry import Submission
from ledger.rules.leaf_index import LeafIndex
from ledger.rules.messages import refused
from ledger.rules.policy import FailingCheck, Policy


@dataclass
class KeyRecord:
    """A registered signing key and what it may sign."""

    fingerprint: str
    public_key: bytes
    role: str
    scope: tuple[str, ...]
    holder_name: str
    holder_title: str
    registered_index: int
    revoked_index: int | None = None
    revoked_reason: str | None = None
    employee_number: str | None = None  # an employee key's own number, from the first pact it signs
    holder_person: str | None = None  # edition 3: the holder's pseudonym (holder_name is then that too)
    endorsed: bool = False  # registered with the national root's endorsement (rules edition 2)
    office_id: str | None = None  # the office a witness or overseer key acts for (edition 2)
    office_name: str | None = None

    def covers(self, unit: str) -> bool:
        return self.scope == ("*",) or unit in self.scope


@dataclass(frozen=True, slots=True)
class StreamHead:
    """The last entry of a stream: what the next entry's `seq` and `prev` must follow.

    One per stream, so one per employee (their pact stream) at national scale: slotted (issue 16).
    """

    seq: int
    leaf_hash: bytes
    at: str
    index: int


@dataclass(frozen=True)
class Assessment:
    """An assessment as recorded, with its computed total and the thresholds it misses."""

    index: int
    leaf_hash: bytes
    at: str
    level: str
    year: int
    track: str
    step: str
    scores: Mapping[str, str]
    total: Decimal
    outcome: str
    failing: tuple[FailingCheck, ...]


@dataclass
class RemediationItem:
    """A remediation item opened by an assessment, open until the unit head completes it."""

    id: str
    area: str
    text: str
    opened_at: str
    opened_index: int
    completed_at: str | None = None
    completed_index: int | None = None


@dataclass(slots=True)
class Pact:
    """The integrity pact of one employee of a unit: valid from signing until released.

    One per employee: slotted, and its repeated texts (`signed_on`, `occasion`) shared (issue 16).
    """

    employee_number: str
    employee_name: str
    valid: bool
    signed_on: str
    index: int
    occasion: str | None = None  # edition 2: declaration, unit_ceremony, appointment, transfer, yearly


@dataclass
class Case:
    """A case an overseer opened about a unit (edition 2): its stage until closed with an outcome."""

    unit: str
    id: str
    stage: str
    concerns: str
    office_id: str  # the office of the key that opened it
    opened_at: str
    opened_index: int
    closed_at: str | None = None
    closed_index: int | None = None
    outcome: str | None = None


@dataclass
class Person:
    """A person an edition-3 log names by pseudonym: the commitment every entry naming them carries
    (the first entry's, or the latest rectification's), the entries that name them, and the erasure
    entry once their personal data was erased."""

    pseudonym: str
    commitment: str
    first_index: int
    indices: list[int] = field(default_factory=list)
    erased_index: int | None = None
    rectified_index: int | None = None  # the latest personal_data.rectified: where `commitment` comes from

    @property
    def commitment_index(self) -> int:
        """The leaf whose commitment is the person's now: the latest rectification, or the first naming."""
        return self.first_index if self.rectified_index is None else self.rectified_index


@dataclass(frozen=True)
class Decree:
    """A decree (SK) as logged: its number, date and the SHA-256 of the published document (edition 2)."""

    number: str
    date: str
    document: str


@dataclass(frozen=True)
class Cycle:
    """A yearly national evaluation cycle opened by the national authority (edition 2)."""

    year: int
    model: str
    proposal_deadline: str
    appeal_days: int
    closes_on: str
    quota: int
    quotas: Mapping[str, int]
    index: int

    def quota_of(self, agency: str) -> int:
        return self.quotas.get(agency, self.quota)


@dataclass(frozen=True)
class Screening:
    """The administrative screening of a proposal: a document check (edition 2)."""

    cycle: int
    outcome: str
    at: str
    index: int


@dataclass(frozen=True)
class Appeal:
    """The unit's appeal (sanggah) of a failed screening, and the TPN's final decision (edition 2)."""

    cycle: int
    filed_at: str
    index: int
    outcome: str | None = None  # granted | rejected, once decided
    decided_index: int | None = None


@dataclass(frozen=True)
class Revocation:
    """A predicate revoked by decree: the unit may not be proposed until `barred_until` (edition 2)."""

    predicate: str
    ground: str
    decree: Decree
    index: int
    barred_until: str


@dataclass
class UnitState:
    """Where one unit stands, as far as the rules need to know."""

    id: str
    name: str
    type: str
    headcount: int
    registered_at: str
    stage: str = "registered"
    track: str | None = None
    predicate: str = "none"
    stage_since: str = ""
    stage_index: int = 0
    barred_until: str | None = None
    internal: Assessment | None = None  # latest internal assessment of the current building period
    national: dict[str, Assessment] = field(default_factory=dict)  # latest per step, this nomination
    screenings: int = 0
    remediation: dict[str, RemediationItem] = field(default_factory=dict)
    pacts: dict[str, Pact] = field(default_factory=dict)
    valid_pacts: int = 0
    declarations: dict[bytes, set[str]] = field(default_factory=dict)  # leaf hash -> witness keys
    # --- rules edition 2 (docs/design/rules-edition-2.md) ---
    agency: str = ""  # the proposing agency ("" = the ledger's own), whose quota a proposal counts against
    proposal_cycle: int | None = None  # the cycle of the current proposal (stage nominated or designated)
    screening: Screening | None = None
    appeal: Appeal | None = None
    monitored: dict[int, int] = field(default_factory=dict)  # year -> leaf index of the latest monitoring
    predicate_decree: Decree | None = None
    revocation: Revocation | None = None
    open_cases: set[str] = field(default_factory=set)  # streams of the unit's cases not closed (edition 2)

    @property
    def open_remediation(self) -> list[RemediationItem]:
        return [item for item in self.remediation.values() if item.completed_index is None]

    @property
    def pact_coverage(self) -> Decimal:
        return Decimal(self.valid_pacts) / Decimal(self.headcount)


@dataclass(frozen=True)
class LogKey:
    """A log (checkpoint) key the log announced (`log_key.added`) or retired (`log_key.retired`),
    by its verifier key text; the key the log was created with is known only once retired."""

    verifier_key: str
    added_index: int | None = None
    retired_index: int | None = None


@dataclass
class LedgerState:
    """Everything the rules know after folding the log's first `size` entries."""

    origin: str
    size: int = 0
    name: str | None = None
    root_fingerprint: str | None = None  # the current root: the genesis signer, or the last `root.rotated`'s key
    genesis_root_fingerprint: str | None = None  # the trust anchor's root: the genesis signer, for good
    policy: Policy | None = None
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    streams: dict[str, StreamHead] = field(default_factory=dict)
    units: dict[str, UnitState] = field(default_factory=dict)
    leaf_indices: LeafIndex = field(default_factory=LeafIndex)  # of every accepted leaf (duplicates, `basis`)
    # --- rules edition 2 (docs/design/rules-edition-2.md) ---
    cycles: dict[int, Cycle] = field(default_factory=dict)
    decrees: dict[str, Decree] = field(default_factory=dict)  # by number: one decree may designate a batch
    proposals: dict[tuple[int, str], int] = field(default_factory=dict)  # (cycle, agency) -> proposals made
    cases: dict[str, Case] = field(default_factory=dict)  # by stream, case/<unit>/<case id> (edition 2)
    log_keys: dict[str, LogKey] = field(default_factory=dict)  # by verifier key text, in log order (edition 2)
    # --- rules edition 3 (docs/contract/personal-data.md) ---
    persons: dict[str, Person] = field(default_factory=dict)  # by pseudonym


@dataclass(frozen=True)
class Decision:
    """What `decide` computed for an accepted entry; `evolve` assigns it."""

    submission: Submission
    index: int
    key: KeyRecord | None  # None only for the genesis entry
    policy: Policy | None = None
    assessment: Assessment | None = None
    barred_until: str | None = None


@dataclass(frozen=True)
class KindRule:
    """One kind's rule: `decide` checks and computes (never assigns), `evolve` assigns what it computed.

    `decide(state, submission, index, key)` runs after the fold has authenticated the signer and
    checked the chain and the signer's role; it returns a `Decision` or raises naming the rule.
    """

    decide: Callable[[LedgerState, Submission, int, KeyRecord | None], Decision]
    evolve: Callable[[LedgerState, Decision], None]


def known_unit(state: LedgerState, submission: Submission) -> UnitState:
    """The registered unit an entry is about; refused (`unknown_unit`) if there is none."""
    unit_id = submission.entry.unit
    assert unit_id is not None
    unit = state.units.get(unit_id)
    if unit is None:
        raise refused("unknown_unit", unit=unit_id)
    return unit


def edition_2(state: LedgerState) -> bool:
    """Whether the policy in force is rules edition 2 (docs/design/rules-edition-2.md)."""
    return current_policy(state).rules >= 2


def current_policy(state: LedgerState) -> Policy:
    """The policy in force: set by the genesis entry, which every other entry follows."""
    assert state.policy is not None
    return state.policy
