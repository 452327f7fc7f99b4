"""A synthetic national ledger of any size, for benchmarks: generated once, written as an export.

    .venv/bin/python scripts/synthetic_ledger.py DIR [--entries 10000000] [--governments 546]

Rules edition 2 (docs/design/rules-edition-2.md), the final kinds: the units of up to 546 regional
governments (each an `agency` with its own quota) go through yearly cycles 2019..2025 as the
ministry runs them. Each year, in calendar order:

- January: `cycle.opened` by the national authority (deadline 30 June, closing 31 December, quota 3
  proposals per government); new (and re-declaring) units declare with a witness; every employee
  (re)signs the integrity pact (`occasion` declaration or yearly): most of the log, as in a real
  regency. Remediation left open is completed (most of it) in March.
- April-May: the internal LKE of building units (30 % fail, with remediation items); monitoring of
  units holding a predicate (not all of them: some stay unmonitored).
- June: the regent proposes up to the quota of units that passed; some lapsed proposals are made again.
- July: the administrative screening (some fail; half of those appeal within the window and the
  appeal is decided).
- August-September: desk and field evaluations; failures and rejected appeals are sent back.
- November: designations by one decree of the year; a few predicates revoked by decree (barring
  the unit for the policy's 730 days); some proposals left undecided, which lapse at the cycle's close.
- December: oversight notes for every unit; cases opened, advanced and closed by the overseers.

The employees per unit follow from `--entries` so that the calendar ends in the last cycle
(2025); the log never runs ahead of LOG_TIME (1 December 2026). Proportions and the queries they
feed are stated in docs/benchmarks.md.

Generation is deterministic (seeded; Ed25519 signatures are deterministic), streaming and bounded
in memory apart from the rules' own fold state: leaves go out in entry bundles of 256 and the hash
tiles are made level by level as they fill, with a compact range for the root, never a whole tree.
It is resumable: an interrupted run keeps the full bundles written; the next run replays them
(parsing and folding without signing) and continues.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from ledger.crypto.keys import encode_base64, fingerprint, private_key_from_seed, public_key_bytes  # noqa: E402
from ledger.crypto.merkle import hash_children, hash_leaf  # noqa: E402
from ledger.crypto.note import format_verifier_key, verifier_key_for  # noqa: E402
from ledger.crypto.tiles import TILE_WIDTH, Tile, format_entry_bundle, parse_entry_bundle  # noqa: E402
from ledger.endorsement import sign_endorsement  # noqa: E402
from ledger.entry import format_time, parse_leaf, sign_entry  # noqa: E402
from ledger.rules import LedgerState, default_policy_document  # noqa: E402
from ledger.rules.fold import decide, evolve  # noqa: E402

ORIGIN = "synthetic.integritas.example/national"
NAME = "Ledger nasional sintetis"
SEED = "synthetic-national"
LOG_TIME = datetime(2026, 12, 1, tzinfo=UTC)
FIRST_YEAR, LAST_YEAR = 2019, 2025
UNITS_PER_GOVERNMENT = 8
QUOTA = 3
APPEAL_DAYS = 14
GENESIS_AT = datetime(2019, 1, 1, 1, 0, tzinfo=UTC)
PACT_DIGEST = encode_base64(hashlib.sha256(b"pakta integritas").digest())
EVIDENCE = encode_base64(hashlib.sha256(b"bukti").digest())

# Scores that pass each model of the edition-2 policy (as tests/builder.py's), and failing ones.
PASS_90_2021 = {
    "wbk": {
        "change_management": "7.00",
        "business_process": "6.00",
        "hr_management": "8.50",
        "accountability": "8.50",
        "oversight": "13.00",
        "public_service": "8.50",
        "ipak": "16.00",
        "performance": "4.00",
        "ipkp": "15.00",
    }
}
PASS_90_2021["wbbm"] = {**PASS_90_2021["wbk"], "ipkp": "16.00", "change_management": "7.50"}
PASS_10_2019 = {
    "wbk": {
        "change_management": "4.00",
        "business_process": "4.00",
        "hr_management": "12.00",
        "accountability": "8.00",
        "oversight": "12.00",
        "public_service": "8.00",
        "ipak": "14.00",
        "tlhp": "4.00",
        "ipkp": "17.00",
    }
}
PASS_10_2019["wbbm"] = {
    **PASS_10_2019["wbk"],
    "change_management": "4.50",
    "business_process": "4.50",
    "hr_management": "13.00",
    "accountability": "8.50",
    "oversight": "13.00",
    "public_service": "8.50",
    "tlhp": "4.50",
    "ipkp": "18.00",
}


def scores(year: int, track: str, passed: bool) -> dict[str, str]:
    chosen = dict((PASS_10_2019 if year <= 2021 else PASS_90_2021)[track])
    if not passed:
        chosen["ipak"] = "9.00"
    return chosen


def model(year: int) -> str:
    return "permenpanrb-10-2019" if year <= 2021 else "permenpanrb-90-2021"


def key(seed: str, name: str) -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(f"{seed}/{name}".encode()).digest())


def genesis_policy(seed: str) -> dict[str, Any]:
    """The packaged edition-2 policy with the synthetic national root (endorsing the national keys)."""
    national_root = key(seed, "national-root").public_key()
    value = {"value": encode_base64(public_key_bytes(national_root)), "source": "synthetic national root"}
    return {**default_policy_document(), "national_root": value}


def employees_per_unit(entries: int, units: int) -> int:
    """Employees per unit such that `entries` run into the last cycle: one pact each a year plus
    about two other entries a unit-year, less the units that have not declared yet.

    The margin must overshoot: a calendar that ends short of `entries` is an error. 1.05 ended in
    the last cycle at 10^5 and 10^6, but at 10^7 (546 governments, 342 employees a unit) the whole
    calendar held only 9,594,228 entries (measured 2026-12-02, a 27-minute generation lost); 1.10
    gives 358 a unit there, about 10.04 million."""
    years = LAST_YEAR - FIRST_YEAR + 1
    return max(8, int((entries - 3 * units) / (units * years) * 1.10))


def governments_for(entries: int, wanted: int) -> int:
    """Fewer governments for small ledgers, so that units keep at least ~16 employees."""
    years = LAST_YEAR - FIRST_YEAR + 1
    return max(2, min(wanted, entries // (years * UNITS_PER_GOVERNMENT * 26)))


class Replayed(Exception):
    """Raised inside the generator when the leaves on disk run out (resumption)."""


class Generator:
    """Makes entries in calendar order, folds them and yields their leaves."""

    def __init__(self, seed: str, governments: int, employees: int) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self.state = LedgerState(origin=ORIGIN)
        self.clock = GENESIS_AT - timedelta(seconds=1)  # sign() steps first: the genesis is at GENESIS_AT
        self.step = timedelta(seconds=1)
        self.root = key(seed, "root")
        self.national_root = key(seed, "national-root")
        self.replay: Iterator[bytes] | None = None  # leaves already written, folded instead of signed
        self.agencies = [f"pemda-{g:03d}" for g in range(governments)]
        self.units_of = {a: [f"{a}-u{n}" for n in range(UNITS_PER_GOVERNMENT)] for a in self.agencies}
        self.agency_of = {u: a for a, units in self.units_of.items() for u in units}
        self.units = [u for a in self.agencies for u in self.units_of[a]]
        self.employees: dict[str, list[str]] = {}
        self.headcount: dict[str, int] = {}
        for index, unit in enumerate(self.units):
            count = max(5, int(self.random.gauss(employees, employees / 4)))
            self.employees[unit] = [f"{index:06d}{n:06d}" for n in range(count)]
            # 15 % of units have employees on the roster who have not signed (pact gaps).
            gap = self.random.randint(1, max(1, count // 20)) if self.random.random() < 0.15 else 0
            self.headcount[unit] = count + gap
        self.keys: dict[str, Ed25519PrivateKey] = {}
        self.lapsed: set[str] = set()  # units whose proposal lapsed undecided
        self.passed_lke: set[str] = set()  # units whose internal LKE of this year passed
        self.cases: dict[str, list[str]] = {}  # unit -> open case streams

    # --- entries ---------------------------------------------------------------------------------

    def sign(self, signer: Ed25519PrivateKey, kind: str, stream: str, body: dict[str, Any]) -> bytes:
        self.clock += self.step
        head = self.state.streams.get(stream)
        at = format_time(self.clock)
        if head is not None and at < head.at:
            at = head.at  # never before the stream's previous entry
        entry = {
            "v": 1,
            "log": ORIGIN,
            "kind": kind,
            "stream": stream,
            "seq": 0 if head is None else head.seq + 1,
            "prev": None if head is None else encode_base64(head.leaf_hash),
            "at": at,
            "signer": fingerprint(signer.public_key()),
            "body": body,
        }
        if self.replay is not None:
            leaf = next(self.replay, None)
            if leaf is None:
                self.replay = None
            else:
                submission = parse_leaf(leaf)
                if submission.entry.stream != stream or submission.entry.seq != entry["seq"]:
                    raise SystemExit(f"the leaves on disk differ from this generator's at {self.state.size}")
        if self.replay is None:
            submission = sign_entry(entry, signer)
        # We signed it ourselves: the rules check everything but the signature (the benchmark's verify does).
        evolve(self.state, decide(self.state, submission, self.state.size, LOG_TIME, signature_verified=True))
        return submission.leaf_bytes

    def phase(self, start: datetime, end: datetime, entries: int) -> None:
        """Spread about `entries` entries evenly from `start` to `end`."""
        self.clock = max(self.clock, start)
        self.step = max(timedelta(microseconds=1000), (end - self.clock) / max(1, entries))

    def register(
        self, name: str, role: str, scope: list[str], by: Ed25519PrivateKey, office: str | None = None
    ) -> Iterator[bytes]:
        k = key(self.seed, name)
        body: dict[str, Any] = {
            "public_key": encode_base64(public_key_bytes(k.public_key())),
            "role": role,
            "scope": scope,
            "holder": {"name": f"Pejabat {name}", "title": role},
        }
        if office is not None:
            body["office"] = {"id": office, "name": f"Kantor sintetis {office}"}
        if role in ("national_authority", "national_assessor", "minister"):
            body["endorsement"] = sign_endorsement(self.national_root, body)
        self.keys[name] = k
        yield self.sign(by, "key.registered", f"key/{fingerprint(k.public_key())}", body)

    def unit_stream(self, unit: str) -> str:
        return f"unit/{unit}"

    # --- the log ---------------------------------------------------------------------------------

    def leaves(self) -> Iterator[bytes]:
        body = {
            "name": NAME,
            "root_key": encode_base64(public_key_bytes(self.root.public_key())),
            "policy": genesis_policy(self.seed),
        }
        yield self.sign(self.root, "ledger.genesis", "ledger", body)
        yield from self.register("admin", "administrator", ["*"], self.root)
        admin = self.keys["admin"]
        for name, role in (("kemenpanrb", "national_authority"), ("tpn", "national_assessor"), ("menteri", "minister")):
            yield from self.register(name, role, ["*"], admin)
        self.phase(self.clock, datetime(2019, 1, 2, tzinfo=UTC), 3 * len(self.units) + 5 * len(self.agencies))
        for agency in self.agencies:
            units = self.units_of[agency]
            for unit in units:
                body = {
                    "name": f"Unit {unit}",
                    "type": self.random.choice(["dinas", "badan", "kecamatan", "puskesmas"]),
                    "headcount": self.headcount[unit],
                    "agency": agency,
                }
                yield self.sign(admin, "unit.registered", self.unit_stream(unit), body)
                yield from self.register(f"head-{unit}", "unit_head", [unit], admin)
                yield from self.register(f"registrar-{unit}", "pact_registrar", [unit], admin)
            yield from self.register(f"regent-{agency}", "regent", units, admin)
            yield from self.register(f"tpi-{agency}", "internal_assessor", units, admin)
            yield from self.register(f"witness-{agency}", "witness", units, admin, office=f"kejari-{agency}")
            yield from self.register(f"kajari-{agency}", "overseer", units, admin, office=f"kejari-{agency}")
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            yield from self.year(year)

    def at(self, year: int, month: int, day: int) -> datetime:
        return datetime(year, month, day, 1, 0, tzinfo=UTC)

    def year(self, year: int) -> Iterator[bytes]:
        units, state = self.units, self.state.units
        # January: the cycle, declarations, pacts.
        self.phase(self.at(year, 1, 2), self.at(year, 1, 3), 1)
        body = {
            "year": year,
            "model": model(year),
            "proposal_deadline": f"{year}-06-30",
            "appeal_days": APPEAL_DAYS,
            "closes_on": f"{year}-12-31",
            "quota": QUOTA,
        }
        yield self.sign(self.keys["kemenpanrb"], "cycle.opened", f"cycle/{year}", body)
        pacts = sum(len(self.employees[u]) for u in units)
        self.phase(self.at(year, 1, 3), self.at(year, 3, 1), pacts + 4 * len(units))
        for unit in units:
            yield from self.declare_and_sign_pacts(unit, year)
        # March: most open remediation is completed.
        open_items = [(u, item) for u in units for item in state[u].open_remediation]
        self.phase(self.at(year, 3, 2), self.at(year, 4, 1), len(open_items))
        for unit, item in open_items:
            if self.random.random() < 0.6:
                body = {"item": item.id, "evidence": [EVIDENCE]}
                yield self.sign(self.keys[f"head-{unit}"], "remediation.completed", self.unit_stream(unit), body)
        # April-May: internal LKE of building units, monitoring of held predicates.
        self.passed_lke = set()
        self.phase(self.at(year, 4, 1), self.at(year, 6, 1), 3 * len(units))
        for unit in units:
            yield from self.internal_assessment(unit, year)
        # June: proposals, up to the quota of each government.
        self.phase(self.at(year, 6, 1), self.at(year, 6, 29), len(units))
        for agency in self.agencies:
            yield from self.propose(agency, year)
        # July: screening, appeals.
        nominated = [u for u in units if state[u].stage == "nominated" and state[u].proposal_cycle == year]
        self.phase(self.at(year, 7, 1), self.at(year, 7, 15), 3 * len(nominated))
        for unit in nominated:
            yield from self.screen(unit, year)
        # August-September: desk and field evaluations; units sent back.
        self.phase(self.at(year, 8, 1), self.at(year, 10, 1), 3 * len(nominated))
        for unit in nominated:
            yield from self.evaluate(unit, year)
        # November: designation by the year's decree, revocations.
        self.phase(self.at(year, 11, 16), self.at(year, 11, 30), 2 * len(nominated) + len(units) // 50)
        decree = {"number": f"{year}/SK-ZI/MENPANRB", "date": f"{year}-11-15", "document": self.digest(f"sk-{year}")}
        for unit in nominated:
            yield from self.designate(unit, year, decree)
        revocations = 0
        for unit in units:
            u = state[unit]
            if u.predicate != "none" and u.stage != "nominated" and self.random.random() < 0.015:
                revocations += 1
                sk = {
                    "number": f"{year}/SK-REV/{revocations}",
                    "date": f"{year}-11-16",
                    "document": self.digest(f"rev-{year}-{revocations}"),
                }
                body = {
                    "predicate": u.predicate,
                    "ground": self.random.choice(["maladministration", "public_report", "other"]),
                    "sk": sk,
                    "note": "pencabutan (sintetis)",
                }
                yield self.sign(self.keys["menteri"], "predicate.revoked", self.unit_stream(unit), body)
        # December: oversight notes, cases.
        self.phase(self.at(year, 12, 1), self.at(year, 12, 31), 2 * len(units))
        for unit in units:
            yield from self.oversight(unit, year)

    @staticmethod
    def digest(text: str) -> str:
        return encode_base64(hashlib.sha256(text.encode()).digest())

    def declare_and_sign_pacts(self, unit: str, year: int) -> Iterator[bytes]:
        u = self.state.units[unit]
        head = self.keys[f"head-{unit}"]
        stream = self.unit_stream(unit)
        declaring = None
        if u.stage == "registered" and self.random.random() < 0.6:
            declaring = "wbk"
        elif u.stage == "designated" and u.predicate == "wbk" and self.random.random() < 0.3:
            declaring = "wbbm"
        elif u.stage == "revoked" and self.random.random() < 0.5:
            declaring = "wbk"
        if declaring is not None:
            body = {"from": u.stage, "to": "declared", "track": declaring, "note": f"pencanangan {year}"}
            yield self.sign(head, "stage.advanced", stream, body)
            declaration = encode_base64(self.state.streams[stream].leaf_hash)
            body = {"declaration": declaration}
            yield self.sign(
                self.keys[f"witness-{self.agency_of[unit]}"], "declaration.witnessed", f"witness/{unit}", body
            )
        occasion = "declaration" if declaring is not None else "yearly"
        if declaring is not None or u.stage != "registered":
            registrar = self.keys[f"registrar-{unit}"]
            for number in self.employees[unit]:
                body = {
                    "employee": {"name": f"Pegawai {number}", "number": number},
                    "pact_digest": PACT_DIGEST,
                    "signed_on": self.clock.date().isoformat(),
                    "occasion": occasion,
                }
                yield self.sign(registrar, "pact.signed", f"pact/{unit}/{number}", body)
        if u.stage == "declared":
            body = {"from": "declared", "to": "building", "track": u.track or "wbk", "note": f"pembangunan {year}"}
            yield self.sign(head, "stage.advanced", stream, body)

    def internal_assessment(self, unit: str, year: int) -> Iterator[bytes]:
        u = self.state.units[unit]
        agency = self.agency_of[unit]
        stream = self.unit_stream(unit)
        if u.predicate != "none" and self.random.random() < 0.85:  # 15 % go unmonitored this year
            outcome = "maintained" if self.random.random() < 0.9 else "concerns"
            body = {"year": year, "outcome": outcome, "note": f"pemantauan {year}"}
            yield self.sign(self.keys[f"tpi-{agency}"], "monitoring.recorded", stream, body)
        if u.stage != "building" or u.open_remediation:
            return
        track = u.track or "wbk"
        passed = self.random.random() < 0.7
        remediation = (
            []
            if passed
            else [
                {"id": f"r{year}-{n}", "area": "public_service", "text": "perbaiki layanan"}
                for n in range(1, self.random.randint(1, 2) + 1)
            ]
        )
        body = {
            "level": "internal",
            "year": year,
            "track": track,
            "step": "lke",
            "scores": scores(year, track, passed),
            "outcome": "passed" if passed else "failed",
            "remediation": remediation,
        }
        yield self.sign(self.keys[f"tpi-{agency}"], "assessment.reviewed", stream, body)
        if passed:
            self.passed_lke.add(unit)

    def propose(self, agency: str, year: int) -> Iterator[bytes]:
        regent = self.keys[f"regent-{agency}"]
        proposed = 0
        for unit in self.units_of[agency]:
            u = self.state.units[unit]
            if proposed == QUOTA:
                break
            barred = u.barred_until is not None and u.barred_until[:10] >= f"{year}-06-01"
            again = (
                u.stage == "nominated"
                and unit in self.lapsed
                and u.internal is not None
                and model(u.internal.year) == model(year)  # the LKE the proposal rests on: same model
                and self.random.random() < 0.5
            )
            if again and not barred:
                self.lapsed.discard(unit)
            elif not (unit in self.passed_lke and u.stage == "building" and not barred):
                continue
            proposed += 1
            body = {
                "from": u.stage,
                "to": "nominated",
                "track": u.track or "wbk",
                "note": f"usulan {year}",
                "cycle": year,
                "statement": self.digest(f"sptjm-{unit}-{year}"),
            }
            yield self.sign(regent, "stage.advanced", self.unit_stream(unit), body)

    def screen(self, unit: str, year: int) -> Iterator[bytes]:
        stream = self.unit_stream(unit)
        draw = self.random.random()
        outcome = "passed" if draw < 0.8 else "passed_with_notes" if draw < 0.9 else "failed"
        notes = [] if outcome == "passed" else ["dokumen belum lengkap"]
        body = {"cycle": year, "outcome": outcome, "notes": notes}
        yield self.sign(self.keys["tpn"], "screening.recorded", stream, body)
        if outcome == "failed" and self.random.random() < 0.5:
            body = {"cycle": year, "text": "sanggahan", "documents": [EVIDENCE]}
            yield self.sign(self.keys[f"head-{unit}"], "appeal.filed", stream, body)
            granted = self.random.random() < 0.5
            body = {"cycle": year, "outcome": "granted" if granted else "rejected", "note": "keputusan sanggahan"}
            yield self.sign(self.keys["tpn"], "appeal.decided", stream, body)

    def evaluate(self, unit: str, year: int) -> Iterator[bytes]:
        u = self.state.units[unit]
        stream = self.unit_stream(unit)
        track = u.track or "wbk"
        tpn = self.keys["tpn"]
        back = {"from": "nominated", "to": "building", "track": track, "note": f"dikembalikan {year}"}
        screening, appeal = u.screening, u.appeal
        if screening is not None and screening.outcome == "failed" and (appeal is None or appeal.outcome != "granted"):
            yield self.sign(tpn, "stage.advanced", stream, back)
            return
        if self.random.random() < 0.08:  # left undecided: lapses when the cycle closes
            self.lapsed.add(unit)
            return
        for step, chance in (("desk", 0.85), ("field", 0.9)):
            passed = self.random.random() < chance
            body = {
                "level": "national",
                "year": year,
                "track": track,
                "step": step,
                "scores": scores(year, track, passed),
                "outcome": "passed" if passed else "failed",
                "remediation": [],
            }
            yield self.sign(tpn, "assessment.reviewed", stream, body)
            if not passed:
                yield self.sign(tpn, "stage.advanced", stream, back)
                return

    def designate(self, unit: str, year: int, decree: dict[str, str]) -> Iterator[bytes]:
        u = self.state.units[unit]
        field = u.national.get("field")
        if u.stage != "nominated" or unit in self.lapsed or field is None or field.outcome != "passed":
            return
        body = {"from": "nominated", "to": "designated", "track": u.track or "wbk", "note": "", "sk": decree}
        yield self.sign(self.keys["menteri"], "stage.advanced", self.unit_stream(unit), body)

    def oversight(self, unit: str, year: int) -> Iterator[bytes]:
        u = self.state.units[unit]
        kajari = self.keys[f"kajari-{self.agency_of[unit]}"]
        body = {"topic": "accompaniment", "text": f"Pendampingan {year}"}
        yield self.sign(kajari, "oversight.noted", f"oversight/{unit}", body)
        for stream in list(self.cases.get(unit, [])):
            case = self.state.cases[stream]
            draw = self.random.random()
            if draw < 0.4:
                body = {"outcome": self.random.choice(["stopped", "referred", "other"]), "text": "perkara selesai"}
                yield self.sign(kajari, "case.closed", stream, body)
                self.cases[unit].remove(stream)
            elif draw < 0.6 and case.stage == "inquiry":
                yield self.sign(kajari, "case.advanced", stream, {"stage": "investigation", "text": "penyidikan"})
        if u.predicate != "none" and self.random.random() < 0.03:
            stream = f"case/{unit}/c{year}"
            body = {"stage": "inquiry", "concerns": self.random.choice(["unit", "employee"]), "text": "penyelidikan"}
            yield self.sign(kajari, "case.opened", stream, body)
            self.cases.setdefault(unit, []).append(stream)


class TileWriter:
    """Writes entry bundles and hash tiles as the leaves come, holding at most 256 hashes a level,
    and keeps the RFC 6962 compact range (one subtree hash per bit of the size) for the root."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.size = 0
        self.bundle: list[bytes] = []
        self.levels: list[list[bytes]] = [[]]  # hashes of the tile level not yet in a full tile
        self.range: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left to right

    def add(self, leaf: bytes) -> None:
        leaf_hash = hash_leaf(leaf)
        self.size += 1
        self.bundle.append(leaf)
        if len(self.bundle) == TILE_WIDTH:
            write(
                self.directory / Tile("entries", self.size // TILE_WIDTH - 1, TILE_WIDTH).path,
                format_entry_bundle(self.bundle),
            )
            self.bundle = []
        self.push(0, leaf_hash)
        height, node = 0, leaf_hash
        while self.range and self.range[-1][0] == height:
            node = hash_children(self.range.pop()[1], node)
            height += 1
        self.range.append((height, node))

    def push(self, level: int, node: bytes) -> None:
        if level == len(self.levels):
            self.levels.append([])
        hashes = self.levels[level]
        hashes.append(node)
        if len(hashes) == TILE_WIDTH:
            index = (self.size >> (8 * level)) // TILE_WIDTH - 1
            write(self.directory / Tile(level, index, TILE_WIDTH).path, b"".join(hashes))
            layer = hashes
            while len(layer) > 1:
                layer = [hash_children(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
            self.levels[level] = []
            self.push(level + 1, layer[0])

    def finish(self) -> bytes:
        """Write the partial bundle and tiles; return the root hash."""
        if self.bundle:
            write(
                self.directory / Tile("entries", self.size // TILE_WIDTH, len(self.bundle)).path,
                format_entry_bundle(self.bundle),
            )
        for level, hashes in enumerate(self.levels):
            if hashes:
                index = (self.size >> (8 * level)) // TILE_WIDTH
                write(self.directory / Tile(level, index, len(hashes)).path, b"".join(hashes))
        root = self.range[-1][1]
        for _, node in reversed(self.range[:-1]):
            root = hash_children(node, root)
        return root


def written_leaves(directory: Path) -> Iterator[bytes]:
    """The leaves of the full entry bundles an earlier run left in `directory`, in order."""
    index = 0
    while True:
        path = directory / Tile("entries", index, TILE_WIDTH).path
        if not path.is_file():
            return
        yield from parse_entry_bundle(path.read_bytes(), Tile("entries", index, TILE_WIDTH))
        index += 1


def generate(
    directory: Path, entries: int, governments: int = 546, seed: str = SEED, employees: int | None = None
) -> dict[str, Any]:
    """Write a valid synthetic ledger of `entries` leaves as a tiles directory; return trust.json."""
    governments = governments_for(entries, governments)
    employees = employees or employees_per_unit(entries, governments * UNITS_PER_GOVERNMENT)
    settings = {"entries": entries, "governments": governments, "employees_per_unit": employees, "seed": seed}
    settings_file = directory / "settings.json"
    if settings_file.is_file() and json.loads(settings_file.read_text()) != settings:
        raise SystemExit(f"{directory} holds another synthetic ledger ({settings_file.read_text()}): remove it")
    write(settings_file, json.dumps(settings).encode())
    generator = Generator(seed, governments, employees)
    generator.replay = written_leaves(directory)
    writer = TileWriter(directory)
    started, last = time.perf_counter(), time.perf_counter()
    print(
        f"  {governments} governments, {len(generator.units):,} units, ~{employees} employees a unit", file=sys.stderr
    )
    for leaf in generator.leaves():
        writer.add(leaf)
        if writer.size == entries:
            break
        if time.perf_counter() - last > 30:
            last = time.perf_counter()
            rate = writer.size / (last - started)
            print(
                f"  {writer.size:,} entries ({generator.clock.date()}), {rate:,.0f}/s, "
                f"about {(entries - writer.size) / rate:,.0f} s to go",
                file=sys.stderr,
            )
    if writer.size < entries:
        raise SystemExit(f"the calendar ended at {writer.size:,} entries: ask for fewer or more employees")
    root = writer.finish()
    log_key = key(seed, "log")
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, entries, root), log_key)
    trust = {
        "origin": ORIGIN,
        "verifier_key": format_verifier_key(verifier_key_for(ORIGIN, log_key.public_key())),
        "root_fingerprint": fingerprint(generator.root.public_key()),
    }
    write(directory / "trust.json", json.dumps(trust, indent=2).encode())
    write(directory / "checkpoint", checkpoint.encode())
    last_at = generator.clock.date()
    write(directory / "calendar.json", json.dumps({**settings, "last_day": last_at.isoformat()}).encode())
    return trust


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--governments", type=int, default=546)
    parser.add_argument("--employees-per-unit", type=int, help="default: what makes the calendar run 2019..2025")
    parser.add_argument("--seed", default=SEED)
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.directory, args.entries, args.governments, args.seed, args.employees_per_unit)
    print(f"{args.entries:,} entries in {time.perf_counter() - started:.0f} s -> {args.directory}", file=sys.stderr)


if __name__ == "__main__":
    main()
