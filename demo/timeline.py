"""Dated actions signed into entries in time order: the machinery under the demo's story.

Determinism: every key is `private_key_from_seed(sha256(f"{seed}/{name}"))` and every action has a
fixed time; `signed()` sorts the actions by time (ties in the order written) and signs each on its
stream's head as it then is, so the same seed gives the same leaves and the same tree root.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.keys import encode_base64, fingerprint, private_key_from_seed, public_key_bytes
from ledger.endorsement import sign_endorsement
from ledger.entry import Submission, format_time, sign_entry
from ledger.personal import Disclosure, PersonalData


@dataclass(frozen=True)
class Ref:
    """The leaf hash of an earlier labelled entry, filled in when the entries are signed."""

    label: str


@dataclass
class Action:
    """One entry to be: when, on which stream, of which kind, by which named key; `order` breaks ties."""

    at: datetime
    order: int
    stream: str
    kind: str
    signer: str  # a key name
    body: dict[str, Any]
    label: str | None


class Timeline:
    """The entries of a story as dated actions by named keys, signed when the story is written."""

    def __init__(self, seed: str, origin: str) -> None:
        self.seed = seed
        self.origin = origin
        self.actions: list[Action] = []
        self._keys: dict[str, Ed25519PrivateKey] = {}
        self._fingerprints: dict[str, str] = {}
        # Rules edition 3: every person named by pseudonym and commitment, their disclosures kept here
        # for the personal-data store. Pseudonyms and salts come from a generator of their own, in
        # the order persons first appear, never from the person's data (docs/contract/personal-data.md);
        # a demo must be reproducible, so it is seeded, and the demo's (fictional) people can be
        # regenerated from the seed like everything else in it.
        self.disclosures: dict[str, Disclosure] = {}
        self._persons: dict[str, str] = {}  # number (or name, without one) -> pseudonym
        self._person_rng = random.Random(f"{seed}/persons")

    def person(self, name: str, number: str | None = None) -> dict[str, str]:
        """The body's person object (pseudonym and commitment) of a person, made on first sight."""
        known = number or name
        if known not in self._persons:
            pseudonym = f"p-{self._person_rng.getrandbits(80):020x}"
            disclosure = Disclosure(pseudonym, PersonalData(name, number), self._person_rng.randbytes(32))
            self._persons[known] = pseudonym
            self.disclosures[pseudonym] = disclosure
        disclosure = self.disclosures[self._persons[known]]
        return {"person": disclosure.person, "commitment": disclosure.commitment}

    def key(self, name: str) -> Ed25519PrivateKey:
        if name not in self._keys:
            seed = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
            self._keys[name] = private_key_from_seed(seed)
            self._fingerprints[name] = fingerprint(self._keys[name].public_key())
        return self._keys[name]

    def fingerprint(self, name: str) -> str:
        self.key(name)
        return self._fingerprints[name]

    def add(
        self, at: datetime, stream: str, kind: str, signer: str, body: dict[str, Any], label: str | None = None
    ) -> None:
        self.actions.append(Action(at, len(self.actions), stream, kind, signer, body, label))

    def register_key(
        self,
        at: datetime,
        name: str,
        role: str,
        scope: list[str],
        holder: str,
        title: str,
        signer: str = "admin",
        *,
        office: tuple[str, str] | None = None,
        endorsed_by: str | None = None,
        number: str | None = None,
    ) -> None:
        """Register key `name`; `office` (id, name) for witness and overseer keys, `endorsed_by` the
        key name of the national root for national keys (rules edition 2); the holder by pseudonym
        and commitment (edition 3), with `number` when the holder is an employee who signs pacts."""
        public_key = encode_base64(public_key_bytes(self.key(name).public_key()))
        body: dict[str, Any] = {
            "public_key": public_key,
            "role": role,
            "scope": scope,
            "holder": {**self.person(holder, number), "title": title},
        }
        if office is not None:
            body["office"] = {"id": office[0], "name": office[1]}
        if endorsed_by is not None:
            body["endorsement"] = sign_endorsement(self.key(endorsed_by), body)
        self.add(at, f"key/{self.fingerprint(name)}", "key.registered", signer, body)

    def revoke_key(self, at: datetime, name: str, reason: str) -> None:
        self.add(at, f"key/{self.fingerprint(name)}", "key.revoked", "admin", {"reason": reason})

    def signed(self) -> list[Submission]:
        """Every entry in story order, signed on its stream's head (seq, prev) as it then is."""
        heads: dict[str, tuple[int, bytes]] = {}
        labelled: dict[str, bytes] = {}
        submissions = []
        for action in sorted(self.actions, key=lambda a: (a.at, a.order)):
            head = heads.get(action.stream)
            body = {name: self._resolve(value, labelled) for name, value in action.body.items()}
            entry = {
                "v": 1,
                "log": self.origin,
                "kind": action.kind,
                "stream": action.stream,
                "seq": 0 if head is None else head[0] + 1,
                "prev": None if head is None else encode_base64(head[1]),
                "at": format_time(action.at),
                "signer": self.fingerprint(action.signer),
                "body": body,
            }
            submission = sign_entry(entry, self.key(action.signer))
            heads[action.stream] = (submission.entry.seq, submission.leaf_hash)
            if action.label is not None:
                labelled[action.label] = submission.leaf_hash
            submissions.append(submission)
        return submissions

    @staticmethod
    def _resolve(value: Any, labelled: Mapping[str, bytes]) -> Any:
        if not isinstance(value, Ref):
            return value
        if value.label not in labelled:
            raise AssertionError(f"the story refers to {value.label} before it happens")
        return encode_base64(labelled[value.label])
