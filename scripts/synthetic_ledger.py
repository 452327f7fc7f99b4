"""A synthetic regency ledger of any size, for benchmarks: generated once, written as an export.

    .venv/bin/python scripts/synthetic_ledger.py DIR [--entries 1000000] [--units 400]

Hundreds of units and tens of thousands of employees over the years: every employee re-signs the
integrity pact yearly (most of the log, as in a real regency), and each unit goes round the stage
machine: declaration with witnesses, building, internal assessments (some failed, with remediation
completed later), nomination, the three national steps, designation, then the WBBM track,
oversight notes throughout. Every entry is folded through the rules as it is made, so the ledger is
valid; the output is a C2SP tlog-tiles directory with trust.json, the form auditors receive.
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
from ledger.crypto.merkle import MerkleTree  # noqa: E402
from ledger.crypto.note import format_verifier_key, verifier_key_for  # noqa: E402
from ledger.crypto.tiles import TILE_WIDTH, Tile, format_entry_bundle, tile_hashes, tiles_for_size  # noqa: E402
from ledger.entry import format_time, sign_entry  # noqa: E402
from ledger.rules import LedgerState, fold, legacy_policy_document  # noqa: E402

ORIGIN = "synthetic.integritas.example/regency"
LOG_TIME = datetime(2100, 1, 1, tzinfo=UTC)
SCORES_PASS = {
    "change_management": "7.00",
    "business_process": "6.00",
    "hr_management": "8.50",
    "accountability": "8.50",
    "oversight": "13.00",
    "public_service": "9.00",
    "ipak": "16.50",
    "performance": "4.00",
    "ipkp": "16.00",
}
SCORES_FAIL = {**SCORES_PASS, "ipak": "12.25", "public_service": "5.00"}
PACT_DIGEST = encode_base64(hashlib.sha256(b"pakta integritas").digest())


def key(seed: str, name: str) -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(f"{seed}/{name}".encode()).digest())


class Generator:
    """Signs entries, folds them and streams the leaves out in order."""

    def __init__(self, seed: str, units: int, employees_per_unit: int) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self.state = LedgerState(origin=ORIGIN)
        self.clock = datetime(2019, 1, 2, 1, 0, tzinfo=UTC)
        self.root = key(seed, "root")
        self.units = [f"unit-{n:04d}" for n in range(units)]
        self.employees = {
            u: [
                f"{19700101 + n:08d}2010{n % 2}{u[-4:]}{n:04d}"[:18]
                for n in range(max(5, int(self.random.gauss(employees_per_unit, employees_per_unit / 4))))
            ]
            for u in self.units
        }

    def sign(self, signer: Ed25519PrivateKey, kind: str, stream: str, body: dict[str, Any]) -> bytes:
        head = self.state.streams.get(stream)
        entry = {
            "v": 1,
            "log": ORIGIN,
            "kind": kind,
            "stream": stream,
            "seq": 0 if head is None else head.seq + 1,
            "prev": None if head is None else encode_base64(head.leaf_hash),
            "at": format_time(self.clock),
            "signer": fingerprint(signer.public_key()),
            "body": body,
        }
        submission = sign_entry(entry, signer)
        fold(self.state, submission, LOG_TIME)
        return submission.leaf_bytes

    def tick(self, minutes: int = 1) -> None:
        self.clock += timedelta(minutes=minutes)

    def register(
        self, name: str, role: str, scope: list[str], by: Ed25519PrivateKey
    ) -> tuple[Ed25519PrivateKey, bytes]:
        k = key(self.seed, name)
        body = {
            "public_key": encode_base64(public_key_bytes(k.public_key())),
            "role": role,
            "scope": scope,
            "holder": {"name": name, "title": role},
        }
        return k, self.sign(by, "key.registered", f"key/{fingerprint(k.public_key())}", body)

    def leaves(self) -> Iterator[bytes]:
        body = {
            "name": "Kabupaten Sintetis",
            "root_key": encode_base64(public_key_bytes(self.root.public_key())),
            "policy": legacy_policy_document(),
        }
        yield self.sign(self.root, "ledger.genesis", "ledger", body)
        self.tick()
        admin, leaf = self.register("admin", "administrator", ["*"], self.root)
        yield leaf
        cast = {}
        for name, role in (
            ("regent", "regent"),
            ("tpi", "internal_assessor"),
            ("tpn", "national_assessor"),
            ("minister", "minister"),
            ("kajari", "overseer"),
            ("kapolres", "overseer"),
            ("witness", "witness"),
        ):
            cast[name], leaf = self.register(name, role, ["*"], admin)
            yield leaf
        heads, registrars = {}, {}
        for unit in self.units:
            self.tick()
            yield self.sign(
                admin,
                "unit.registered",
                f"unit/{unit}",
                {
                    "name": f"Unit {unit}",
                    "type": self.random.choice(["dinas", "badan", "kecamatan"]),
                    "headcount": len(self.employees[unit]),
                },
            )
            heads[unit], leaf = self.register(f"head-{unit}", "unit_head", [unit], admin)
            yield leaf
            registrars[unit], leaf = self.register(f"registrar-{unit}", "pact_registrar", [unit], admin)
            yield leaf
        year = 2019
        while True:
            self.clock = datetime(year, 1, 5, 1, 0, tzinfo=UTC)
            for unit in self.units:
                yield from self.unit_year(unit, year, heads[unit], registrars[unit], cast)
            year += 1

    def unit_year(
        self,
        unit: str,
        year: int,
        head: Ed25519PrivateKey,
        registrar: Ed25519PrivateKey,
        cast: dict[str, Ed25519PrivateKey],
    ) -> Iterator[bytes]:
        state = self.state.units[unit]
        stream = f"unit/{unit}"
        track = state.track or "wbk"

        def stage(signer: Ed25519PrivateKey, source: str, target: str, track: str) -> bytes:
            self.tick()
            return self.sign(
                signer, "stage.advanced", stream, {"from": source, "to": target, "track": track, "note": f"{year}"}
            )

        if state.stage in ("registered", "designated") and (state.stage == "registered" or state.predicate == "wbk"):
            track = "wbk" if state.stage == "registered" else "wbbm"
            yield stage(head, state.stage, "declared", track)
            declaration = self.state.streams[stream].leaf_hash
            self.tick()
            yield self.sign(
                cast["witness"],
                "declaration.witnessed",
                f"witness/{unit}",
                {"declaration": encode_base64(declaration), "office": "regent"},
            )
        for number in self.employees[unit]:  # the yearly re-signing of every pact
            self.tick()
            yield self.sign(
                registrar,
                "pact.signed",
                f"pact/{unit}/{number}",
                {
                    "employee": {"name": f"Pegawai {number}", "number": number},
                    "pact_digest": PACT_DIGEST,
                    "signed_on": f"{year}-01-05",
                },
            )
        if state.stage == "declared":
            yield stage(head, "declared", "building", track)
        if state.stage == "building":
            passed = self.random.random() < 0.7
            self.tick()
            remediation = [] if passed else [{"id": f"r{year}-1", "area": "public_service", "text": "perbaiki"}]
            yield self.sign(
                cast["tpi"],
                "assessment.reviewed",
                stream,
                {
                    "level": "internal",
                    "year": year,
                    "track": track,
                    "step": "lke",
                    "scores": SCORES_PASS if passed else SCORES_FAIL,
                    "outcome": "passed" if passed else "failed",
                    "remediation": remediation,
                },
            )
            for item in remediation:
                self.tick()
                yield self.sign(head, "remediation.completed", stream, {"item": item["id"], "evidence": [PACT_DIGEST]})
            if passed:
                yield stage(cast["regent"], "building", "nominated", track)
                for step in ("screening", "desk", "field"):
                    self.tick()
                    yield self.sign(
                        cast["tpn"],
                        "assessment.reviewed",
                        stream,
                        {
                            "level": "national",
                            "year": year,
                            "track": track,
                            "step": step,
                            "scores": SCORES_PASS,
                            "outcome": "passed",
                            "remediation": [],
                        },
                    )
                yield stage(cast["minister"], "nominated", "designated", track)
        elif state.stage == "designated":
            self.tick()
            yield self.sign(
                cast["tpi"],
                "assessment.reviewed",
                stream,
                {
                    "level": "internal",
                    "year": year,
                    "track": track,
                    "step": "lke",
                    "scores": SCORES_PASS,
                    "outcome": "passed",
                    "remediation": [],
                },
            )
        self.tick()
        yield self.sign(
            cast["kajari"],
            "oversight.noted",
            f"oversight/{unit}",
            {"office": "district_prosecutor", "topic": "accompaniment", "text": f"Pendampingan {year}"},
        )


def generate(directory: Path, entries: int, units: int, employees_per_unit: int, seed: str) -> dict[str, Any]:
    """Write a valid synthetic ledger of `entries` leaves as a tiles directory; return trust.json."""
    generator = Generator(seed, units, employees_per_unit)
    tree = MerkleTree()
    bundle: list[bytes] = []
    started = time.perf_counter()
    for leaf in generator.leaves():
        tree.append(hashlib.sha256(b"\x00" + leaf).digest())
        bundle.append(leaf)
        if len(bundle) == TILE_WIDTH or tree.size == entries:
            tile = Tile("entries", (tree.size - 1) // TILE_WIDTH, len(bundle))
            write(directory / tile.path, format_entry_bundle(bundle))
            bundle = []
        if tree.size % 50_000 == 0:
            rate = tree.size / (time.perf_counter() - started)
            print(f"  {tree.size:,} entries, {rate:,.0f}/s", file=sys.stderr)
        if tree.size == entries:
            break
    for tile in tiles_for_size(entries):
        write(directory / tile.path, tile_hashes(tree, tile))
    log_key = key(seed, "log")
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, entries, tree.root()), log_key)
    trust = {
        "origin": ORIGIN,
        "verifier_key": format_verifier_key(verifier_key_for(ORIGIN, log_key.public_key())),
        "root_fingerprint": fingerprint(generator.root.public_key()),
    }
    write(directory / "trust.json", json.dumps(trust, indent=2).encode())
    write(directory / "checkpoint", checkpoint.encode())
    return trust


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--employees-per-unit", type=int, default=100)
    parser.add_argument("--seed", default="synthetic-regency")
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.directory, args.entries, args.units, args.employees_per_unit, args.seed)
    print(f"{args.entries:,} entries in {time.perf_counter() - started:.0f} s -> {args.directory}", file=sys.stderr)


if __name__ == "__main__":
    main()
