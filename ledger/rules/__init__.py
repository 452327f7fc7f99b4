"""The rules fold (DESIGN §1.3, §4; DOMAIN.md): what the ledger accepts, and what it then knows.

One fold, three uses: the store runs it to accept or refuse a submission, the verifier replays it
over the whole log, and the projections fold the same entries into status views.

The fold is split the way event-sourced code splits commands from events: `decide` checks and
computes a `Decision` (or raises naming the rule) without mutating the state, and `evolve` only
assigns it. The package reads in that order:

- `policy`: the policy document, its thresholds and the checks a score can fail;
- `state`: what the rules know (`LedgerState`, `UnitState`, `KeyRecord`, ...) and a kind's rule;
- `fold`: `decide`/`evolve`/`fold`, and what every entry must satisfy (log, signer, chain, role);
- one module per family of kinds, each kind's decide next to its evolve: `ledger_kinds` (genesis,
  policy.set, the log key's rotation), `keys`, `units`, `stages`, `assessments` (with remediation), `pacts`, `oversight`
  (witnesses and oversight notes), `cases` (an overseer's cases), and for rules edition 2 `cycles`
  (yearly cycles, proposals' lapse) and `national` (screening, appeal, revocation, monitoring);
- `messages`: the catalogue every refusal and failing check is rendered from, in English and
  Indonesian.

Time comes in as a parameter: the entry's own `at` for the domain (bars, ages) and the log's clock
only for the "not in the future" rule. Nothing here reads a clock, the environment or a file,
except `default_policy_document` and `legacy_policy_document`, which read the packaged policy files.
"""

from ledger.rules.assessments import MAX_SCREENINGS, NATIONAL_STEPS
from ledger.rules.cycles import day_end
from ledger.rules.fold import KIND_RULES, MAX_CLOCK_SKEW, ROLES_OF_KIND, decide, evolve, fold
from ledger.rules.leaf_index import LeafIndex
from ledger.rules.messages import MESSAGES, REFUSALS, render
from ledger.rules.policy import (
    ENABLER_AREAS,
    FailingCheck,
    ModelThresholds,
    Policy,
    ScoreModel,
    TrackThresholds,
    compute_total,
    default_policy_document,
    failing_checks,
    legacy_policy_document,
    model_failing_checks,
    model_total,
    parse_failing_check,
    parse_policy,
)
from ledger.rules.stages import EDITION_2_TRANSITIONS, TRANSITIONS
from ledger.rules.state import (
    Appeal,
    Assessment,
    Case,
    Cycle,
    Decision,
    Decree,
    KeyRecord,
    KindRule,
    LedgerState,
    LogKey,
    Pact,
    Person,
    RemediationItem,
    Revocation,
    Screening,
    StreamHead,
    UnitState,
)

__all__ = [
    "EDITION_2_TRANSITIONS",
    "ENABLER_AREAS",
    "KIND_RULES",
    "MAX_CLOCK_SKEW",
    "MAX_SCREENINGS",
    "MESSAGES",
    "NATIONAL_STEPS",
    "REFUSALS",
    "ROLES_OF_KIND",
    "TRANSITIONS",
    "Appeal",
    "Assessment",
    "Case",
    "Cycle",
    "Decision",
    "Decree",
    "FailingCheck",
    "KeyRecord",
    "KindRule",
    "LeafIndex",
    "LedgerState",
    "LogKey",
    "ModelThresholds",
    "Pact",
    "Person",
    "Policy",
    "RemediationItem",
    "Revocation",
    "ScoreModel",
    "Screening",
    "StreamHead",
    "TrackThresholds",
    "UnitState",
    "compute_total",
    "day_end",
    "decide",
    "default_policy_document",
    "evolve",
    "failing_checks",
    "fold",
    "legacy_policy_document",
    "model_failing_checks",
    "model_total",
    "parse_failing_check",
    "parse_policy",
    "render",
]
