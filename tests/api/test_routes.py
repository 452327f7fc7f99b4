"""The HTTP API of DESIGN §8, route by route, over `create_app` with throwaway ledgers.

Writes go to a fresh ledger per test; the read routes that need a tree of some size (full and
level-1 tiles, long proofs, an export worth verifying) read the Blora demo ledger. Every proof and
checkpoint the API hands out is verified here with the verifier's own functions, and every error is
checked to be an RFC 9457 problem with its stable code.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.settings import MAX_REQUEST_BYTES, Settings
from api.tokens import TokenFile
from cli.main import main as cli_main
from ledger.crypto.checkpoint import verify_checkpoint
from ledger.crypto.keys import decode_base64, encode_base64, fingerprint, public_key_bytes
from ledger.crypto.merkle import EMPTY_ROOT, hash_leaf, root_from_leaf_hashes, verify_consistency, verify_inclusion
from ledger.crypto.note import VerifierKey, parse_verifier_key, verifier_key_for
from ledger.crypto.record_proof import verify_record_proof
from ledger.crypto.tiles import TILE_WIDTH, Tile, entry_bundles_for_size, parse_entry_bundle, tiles_for_size
from ledger.entry import MAX_LEAF_BYTES, format_time, parse_entry, sign_entry
from ledger.errors import VerificationFailed
from ledger.log_sources import ExportSource
from ledger.rules import failing_checks, legacy_policy_document, parse_policy
from ledger.verify import TrustAnchor, verify_log
from tests.api.api_builder import (
    JSON,
    ApiBuilder,
    DemoLog,
    Tokens,
    assert_problem,
    bearer,
    post_submission,
)
from tests.builder import FAILING, ORIGIN, key_for

RECEIPT_MEMBERS = {"index", "leaf_hash", "tree_size", "checkpoint", "inclusion_proof"}
UNIT_BODY = {"name": "Dinas Kesehatan", "type": "dinas", "headcount": 40}


def verifier(client: TestClient) -> VerifierKey:
    return parse_verifier_key(client.get("/v1/log").json()["verifier_key"])


def hashes(encoded: list[str]) -> list[bytes]:
    return [decode_base64(node, size=32) for node in encoded]


def flip_bit(data: bytes, bit: int = 0) -> bytes:
    return bytes([data[0] ^ (1 << bit)]) + data[1:]


def key_body(name: str, role: str = "administrator", scope: list[str] | None = None) -> dict[str, Any]:
    key = key_for(name)
    return {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": role,
        "scope": scope or ["*"],
        "holder": {"name": f"Pemegang {name}", "title": role},
    }


def signed_by_hand(builder: ApiBuilder, entry: dict[str, Any]) -> dict[str, Any]:
    """A submission of `entry` signed by the root key without `sign_entry`, which refuses too-large leaves."""
    signature = builder.root.sign(parse_entry(entry).signing_input())
    return {"entry": entry, "signature": encode_base64(signature)}


# --- GET /v1/log -----------------------------------------------------------------------------------


def test_log_info_names_the_log_and_a_checkpoint_that_verifies(
    client: TestClient, builder: ApiBuilder, ledger_dir: Path
) -> None:
    response = client.get("/v1/log")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    info = response.json()
    assert info.keys() == {"origin", "verifier_key", "size", "checkpoint"}
    trust = json.loads((ledger_dir / "trust.json").read_text(encoding="utf-8"))
    assert info["origin"] == ORIGIN == trust["origin"]
    assert info["verifier_key"] == trust["verifier_key"]
    # DESIGN §5: <origin>+<hex key id>+<base64(0x01 ‖ key)>, key id = SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ key)[:4]
    log_key = b"\x01" + public_key_bytes(key_for("log").public_key())
    key_id = hashlib.sha256(ORIGIN.encode() + b"\n" + log_key).digest()[:4]
    assert info["verifier_key"] == f"{ORIGIN}+{key_id.hex()}+{encode_base64(log_key)}"
    assert info["size"] == 1
    checkpoint = verify_checkpoint(info["checkpoint"], parse_verifier_key(info["verifier_key"]))
    assert (checkpoint.origin, checkpoint.tree_size) == (ORIGIN, 1)
    assert checkpoint.root_hash == hash_leaf(builder.store.leaf(0))  # a one-leaf tree's root is its leaf hash
    # Another key does not verify it.
    with pytest.raises(VerificationFailed):
        verify_checkpoint(info["checkpoint"], verifier_key_for(ORIGIN, key_for("not-the-log").public_key()))


def test_log_info_follows_appends(client: TestClient, builder: ApiBuilder) -> None:
    builder.register_key("admin", "administrator")
    info = client.get("/v1/log").json()
    assert info["size"] == 2
    assert info["checkpoint"] == builder.accepted[-1][1]["checkpoint"]


# --- POST /v1/entries --------------------------------------------------------------------------------


def test_each_receipt_carries_an_inclusion_proof_of_its_leaf_in_its_signed_checkpoint(
    client: TestClient, builder: ApiBuilder
) -> None:
    builder.standard_cast()  # seven keys after the genesis entry
    key = verifier(client)
    assert len(builder.accepted) == 7
    for index, (submission, receipt) in enumerate(builder.accepted, start=1):
        assert receipt.keys() == RECEIPT_MEMBERS
        assert (receipt["index"], receipt["tree_size"]) == (index, index + 1)
        assert receipt["leaf_hash"] == encode_base64(hash_leaf(submission.leaf_bytes))
        checkpoint = verify_checkpoint(receipt["checkpoint"], key)
        assert (checkpoint.origin, checkpoint.tree_size) == (ORIGIN, receipt["tree_size"])
        proof = hashes(receipt["inclusion_proof"])
        verify_inclusion(hash_leaf(submission.leaf_bytes), index, receipt["tree_size"], proof, checkpoint.root_hash)
    # The last proof (leaf 7 of 8) has three hashes; each one-bit change fails.
    submission, receipt = builder.accepted[-1]
    proof = hashes(receipt["inclusion_proof"])
    root = verify_checkpoint(receipt["checkpoint"], key).root_hash
    assert len(proof) == 3
    for position in range(len(proof)):
        broken = [flip_bit(node) if n == position else node for n, node in enumerate(proof)]
        with pytest.raises(VerificationFailed):
            verify_inclusion(hash_leaf(submission.leaf_bytes), 7, 8, broken, root)
    with pytest.raises(VerificationFailed):
        verify_inclusion(hash_leaf(submission.leaf_bytes), 6, 8, proof, root)


def test_receipt_status_201_with_json_content_type(client: TestClient, builder: ApiBuilder) -> None:
    submission = builder.sign(
        builder.root, "key.registered", f"key/{fingerprint(key_for('a').public_key())}", key_body("a")
    )
    response = client.post(
        "/v1/entries", content=submission.leaf_bytes, headers={"content-type": "Application/JSON; charset=utf-8"}
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["index"] == 1


def test_a_duplicate_gets_200_and_the_original_receipt(client: TestClient, builder: ApiBuilder) -> None:
    builder.register_key("admin", "administrator")
    submission, original = builder.accepted[0]
    builder.register_key("regent", "regent")
    builder.register_key("tpi", "internal_assessor")

    again = post_submission(client, submission)
    assert again.status_code == 200
    assert again.json() == original  # index 1, tree size 2, the checkpoint of size 2 and its proof
    # The same submission spelled otherwise (members reordered, whitespace) is the same leaf.
    document = submission.to_json()
    respelled = json.dumps(
        {"signature": document["signature"], "entry": dict(reversed(list(document["entry"].items())))}, indent=3
    ).encode()
    assert respelled != submission.leaf_bytes
    again = post_submission(client, respelled)
    assert (again.status_code, again.json()) == (200, original)
    assert client.get("/v1/log").json()["size"] == 4  # nothing appended twice


def test_a_stale_seq_or_prev_is_409_with_the_current_head(client: TestClient, builder: ApiBuilder) -> None:
    admin = builder.register_key("admin", "administrator")
    builder.submit(admin, "unit.registered", "unit/dinkes", UNIT_BODY)
    head = builder.head("unit/dinkes")
    assert head is not None and head["seq"] == 0
    size = builder.state.size
    stale: dict[str, dict[str, Any]] = {
        "seq 0 again": {"seq": 0, "prev": None},
        "right seq, wrong prev": {"seq": 1, "prev": encode_base64(bytes(32))},
        "a seq skipped": {"seq": 2, "prev": head["leaf_hash"]},
    }
    for case, overrides in stale.items():
        submission = builder.sign(admin, "unit.headcount_set", "unit/dinkes", {"headcount": 41}, **overrides)
        problem = assert_problem(post_submission(client, submission), 409, "stale_head")
        assert problem["head"] == head, case
        assert problem["stream"] == "unit/dinkes", case
    assert builder.state.size == size
    # Re-signed on the head it is accepted.
    receipt = builder.submit(admin, "unit.headcount_set", "unit/dinkes", {"headcount": 41})
    assert receipt["index"] == size


def test_a_stale_entry_on_an_empty_stream_is_409_with_head_null(client: TestClient, builder: ApiBuilder) -> None:
    admin = builder.register_key("admin", "administrator")
    submission = builder.sign(
        admin, "unit.headcount_set", "unit/baru", {"headcount": 3}, seq=1, prev=encode_base64(bytes(32))
    )
    problem = assert_problem(post_submission(client, submission), 409, "stale_head")
    assert problem["head"] is None
    assert problem["stream"] == "unit/baru"


def test_refusals_by_the_rules_are_422_naming_the_rule(client: TestClient, builder: ApiBuilder) -> None:
    builder.standard_cast()
    builder.to_building("dinkes")
    builder.register_unit("dlh")
    head = builder.heads["dinkes"]
    size = builder.state.size
    now = datetime.now(UTC).replace(microsecond=0)
    refusals = {
        "unknown_signer": builder.sign(key_for("stranger"), "unit.registered", "unit/lain", UNIT_BODY),
        "role_not_allowed": builder.sign(head, "unit.registered", "unit/lain", UNIT_BODY),
        "out_of_scope": builder.sign(head, "unit.headcount_set", "unit/dlh", {"headcount": 9}),
        "transition_not_allowed": builder.sign(
            builder.heads["dlh"],
            "stage.advanced",
            "unit/dlh",
            {"from": "registered", "to": "building", "track": "wbk", "note": ""},
        ),
        "wrong_log": builder.sign(builder.admin, "unit.registered", "unit/lain", UNIT_BODY, log="other.example/log"),
        "time_in_future": builder.sign(
            builder.admin, "unit.registered", "unit/lain", UNIT_BODY, at=format_time(now + timedelta(hours=1))
        ),
    }
    for code, submission in refusals.items():
        assert_problem(post_submission(client, submission), 422, code)

    # A wrong signature: the root's signature of another entry.
    good = builder.sign(builder.admin, "unit.registered", "unit/lain", UNIT_BODY)
    other = builder.sign(builder.admin, "unit.registered", "unit/lain2", UNIT_BODY)
    forged = {**good.to_json(), "signature": encode_base64(other.signature)}
    assert_problem(post_submission(client, forged), 422, "bad_signature")

    # An assessment marked passed below the thresholds: refused with the failing checks named.
    assessment = {
        "level": "internal",
        "year": 2021,
        "track": "wbk",
        "step": "lke",
        "scores": FAILING,
        "outcome": "passed",
        "remediation": [],
    }
    submission = builder.sign(builder.tpi, "assessment.reviewed", "unit/dinkes", assessment)
    problem = assert_problem(post_submission(client, submission), 422, "thresholds_not_met")
    expected = failing_checks(FAILING, "wbk", parse_policy(legacy_policy_document()))
    assert problem["failing_checks"] == expected
    assert any(check.startswith("ipak 12.00 is below") for check in problem["failing_checks"])
    # ... and with the rule's reason and parameters, for a client to render in its own language.
    assert problem["reason"] == "passed_below_thresholds"
    assert problem["params"] == {"checks": [{"code": c.code, "params": dict(c.params)} for c in expected]}

    assert builder.state.size == size  # nothing refused was appended
    assert client.get("/v1/log").json()["size"] == size


@pytest.fixture
def template(builder: ApiBuilder) -> dict[str, Any]:
    """A valid, signed submission (not yet posted) as JSON, for the malformed ones to start from."""
    stream = f"key/{fingerprint(key_for('admin').public_key())}"
    return builder.sign(builder.root, "key.registered", stream, key_body("admin")).to_json()


def _without(document: dict[str, Any], member: str) -> bytes:
    entry = {name: value for name, value in document["entry"].items() if name != member}
    return json.dumps({**document, "entry": entry}).encode()


def _with_body(document: dict[str, Any], **body: Any) -> bytes:
    entry = {**document["entry"], "body": {**document["entry"]["body"], **body}}
    return json.dumps({**document, "entry": entry}).encode()


MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], bytes], str]] = {
    "truncated": (lambda d: json.dumps(d).encode()[:-1], "malformed_json"),
    "not UTF-8": (lambda d: b'{"entry": "\xff"}', "malformed_json"),
    "empty body": (lambda d: b"", "malformed_json"),
    "duplicate member": (lambda d: b'{"entry": 1, ' + json.dumps(d).encode()[1:], "malformed_json"),
    "NaN": (lambda d: b'{"entry": NaN, "signature": ""}', "malformed_json"),
    "missing member": (lambda d: _without(d, "at"), "missing_member"),
    "unknown member": (lambda d: json.dumps({**d, "extra": 1}).encode(), "unknown_member"),
    "float": (lambda d: json.dumps({**d, "entry": {**d["entry"], "seq": 0.0}}).encode(), "float_not_allowed"),
    "float in the body": (lambda d: _with_body(d, scope=["*"], role=1.5), "float_not_allowed"),
    "not an object": (lambda d: b"[]", "wrong_type"),
    "bad base64": (lambda d: json.dumps({**d, "signature": "not base64!"}).encode(), "invalid_base64"),
    "short signature": (lambda d: json.dumps({**d, "signature": encode_base64(bytes(63))}).encode(), "invalid_base64"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_submission_is_400_naming_the_fault(
    client: TestClient, template: dict[str, Any], case: str
) -> None:
    make, code = MALFORMED[case]
    assert_problem(post_submission(client, make(template)), 400, code)
    assert client.get("/v1/log").json()["size"] == 1


def test_a_leaf_of_65535_bytes_is_accepted_and_one_byte_more_is_413(client: TestClient, builder: ApiBuilder) -> None:
    stream = f"key/{fingerprint(key_for('panjang').public_key())}"

    def entry(name_length: int) -> dict[str, Any]:
        body = key_body("panjang")
        body["holder"]["name"] = "n" * name_length
        return builder.entry(builder.root, "key.registered", stream, body, at="2021-01-01T00:00:00Z")

    probe = sign_entry(entry(1000), builder.root)
    length = 1000 + MAX_LEAF_BYTES - len(probe.leaf_bytes)
    over = signed_by_hand(builder, entry(length + 1))
    body = json.dumps(over).encode()
    assert MAX_LEAF_BYTES < len(body) <= MAX_REQUEST_BYTES  # refused for its leaf, not for the request size
    assert_problem(post_submission(client, body), 413, "entry_too_large")

    largest = sign_entry(entry(length), builder.root)
    assert len(largest.leaf_bytes) == MAX_LEAF_BYTES
    response = post_submission(client, largest)
    assert response.status_code == 201, response.text
    assert builder.store.leaf(1) == largest.leaf_bytes


def test_a_request_body_over_the_limit_is_413(client: TestClient) -> None:
    too_much = b"{" + b" " * MAX_REQUEST_BYTES + b"}"
    # With a Content-Length...
    assert_problem(post_submission(client, too_much), 413, "request_too_large")

    # ...and without one (chunked): the body is counted as it arrives.
    def chunks() -> Any:
        for start in range(0, len(too_much), 8192):
            yield too_much[start : start + 8192]

    response = client.post("/v1/entries", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "request_too_large")


def test_the_request_limit_is_the_settings_max_request_bytes(
    ledger_dir: Path, tokens: Tokens, client: TestClient, builder: ApiBuilder
) -> None:
    body = key_body("b")
    body["holder"]["name"] = "Pemegang " * 200
    submission = builder.sign(builder.root, "key.registered", f"key/{fingerprint(key_for('b').public_key())}", body)
    assert 1024 < len(submission.leaf_bytes) < MAX_REQUEST_BYTES
    strict = create_app(Settings(ledger_dir=ledger_dir, token_file=tokens.path, max_request_bytes=1024))
    with TestClient(strict, raise_server_exceptions=False) as strict_client:
        assert_problem(post_submission(strict_client, submission), 413, "request_too_large")
    assert post_submission(client, submission).status_code == 201  # the default limit takes it


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data"],
)
def test_a_submission_not_sent_as_json_is_415(
    client: TestClient, template: dict[str, Any], content_type: str | None
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = client.post("/v1/entries", content=json.dumps(template).encode(), headers=headers)
    assert_problem(response, 415, "unsupported_media_type")
    assert client.get("/v1/log").json()["size"] == 1


# --- GET /v1/entries/{index}, /v1/streams/{stream} (fresh ledger) ------------------------------------


def test_entries_and_streams_read_back_what_was_accepted(
    client: TestClient, builder: ApiBuilder, tokens: Tokens
) -> None:
    admin = builder.register_key("admin", "administrator")
    builder.submit(admin, "unit.registered", "unit/dinkes", UNIT_BODY)
    builder.submit(admin, "unit.headcount_set", "unit/dinkes", {"headcount": 44})
    auth = bearer(tokens.auditor)

    for submission, receipt in builder.accepted:
        response = client.get(f"/v1/entries/{receipt['index']}", headers=auth)
        assert response.status_code == 200
        assert response.json() == {"index": receipt["index"], "leaf_hash": receipt["leaf_hash"], **submission.to_json()}
    assert_problem(client.get("/v1/entries/4", headers=auth), 404, "index_out_of_range")
    assert_problem(client.get("/v1/entries/-1", headers=auth), 400, "invalid_request")

    response = client.get("/v1/streams/unit/dinkes", headers=auth)
    assert response.status_code == 200
    stream = response.json()
    assert stream["stream"] == "unit/dinkes"
    assert (
        stream["head"] == builder.head("unit/dinkes") == {"seq": 1, "leaf_hash": builder.accepted[-1][1]["leaf_hash"]}
    )
    assert stream["entries"] == [
        {"index": receipt["index"], "leaf_hash": receipt["leaf_hash"], **submission.to_json()}
        for submission, receipt in builder.accepted[1:]
    ]
    key_stream = f"key/{fingerprint(admin.public_key())}"
    assert client.get(f"/v1/streams/{key_stream}", headers=auth).json()["head"]["seq"] == 0
    ledger = client.get("/v1/streams/ledger", headers=auth).json()
    assert [entry["index"] for entry in ledger["entries"]] == [0]


def test_an_empty_stream_has_head_null_and_no_entries(client: TestClient, tokens: Tokens) -> None:
    response = client.get("/v1/streams/pact/dinkes/198001012010001001", headers=bearer(tokens.auditor))
    assert response.status_code == 200
    assert response.json() == {"stream": "pact/dinkes/198001012010001001", "head": None, "entries": []}


@pytest.mark.parametrize("stream", ["unit", "unit/Dinkes", "unit/dinkes/extra", "gudang/dinkes", "key/abc"])
def test_a_stream_id_that_is_no_stream_is_400(client: TestClient, tokens: Tokens, stream: str) -> None:
    assert_problem(client.get(f"/v1/streams/{stream}", headers=bearer(tokens.auditor)), 400, "invalid_stream")


# --- read routes over the demo ledger ------------------------------------------------------------------


@pytest.fixture(scope="module")
def leaf_hashes(demo: DemoLog) -> list[bytes]:
    return [hash_leaf(leaf) for leaf in demo.leaves]


SAMPLE_INDICES = [0, 1, 255, 256, 1000, 4095, 4096, 4680]


@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_demo_entry_reads_back_its_leaf(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens, index: int
) -> None:
    response = demo_client.get(f"/v1/entries/{index}", headers=bearer(demo_tokens.overseer))
    assert response.status_code == 200
    assert response.json() == {
        "index": index,
        "leaf_hash": encode_base64(hash_leaf(demo.leaves[index])),
        **json.loads(demo.leaves[index]),
    }


@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_demo_entry_proof_is_a_tlog_proof_that_verifies_against_the_leaf(
    demo: DemoLog, demo_client: TestClient, index: int
) -> None:
    response = demo_client.get(f"/v1/entries/{index}/proof")  # public: hashes only
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith(f"c2sp.org/tlog-proof@v1\nindex {index}\n")
    key = parse_verifier_key(demo.trust["verifier_key"])
    checkpoint = verify_record_proof(response.text, demo.leaves[index], key)
    assert (checkpoint.origin, checkpoint.tree_size) == (demo.trust["origin"], demo.size)
    with pytest.raises(VerificationFailed):
        verify_record_proof(response.text, demo.leaves[index - 1], key)


def test_demo_entry_proof_out_of_range_is_404(demo: DemoLog, demo_client: TestClient) -> None:
    assert_problem(demo_client.get(f"/v1/entries/{demo.size}/proof"), 404, "index_out_of_range")
    assert_problem(demo_client.get("/v1/entries/x/proof"), 400, "invalid_request")


@pytest.mark.parametrize(
    ("index", "size"), [(0, 1), (0, 6495), (6494, 6495), (1000, 2048), (2047, 2049), (17, 300), (300, 301)]
)
def test_inclusion_proofs_verify(demo_client: TestClient, leaf_hashes: list[bytes], index: int, size: int) -> None:
    response = demo_client.get("/v1/proofs/inclusion", params={"index": index, "size": size})
    assert response.status_code == 200
    document = response.json()
    assert (document["index"], document["size"]) == (index, size)
    root = root_from_leaf_hashes(leaf_hashes[:size])
    verify_inclusion(leaf_hashes[index], index, size, hashes(document["proof"]), root)
    if size > 1:
        with pytest.raises(VerificationFailed):
            verify_inclusion(leaf_hashes[index], index, size, hashes(document["proof"]), flip_bit(root))


@pytest.mark.parametrize(
    ("first", "second"), [(0, 10), (1, 6495), (256, 6495), (1000, 2048), (6494, 6495), (6495, 6495), (7, 8)]
)
def test_consistency_proofs_verify(demo_client: TestClient, leaf_hashes: list[bytes], first: int, second: int) -> None:
    response = demo_client.get("/v1/proofs/consistency", params={"first": first, "second": second})
    assert response.status_code == 200
    document = response.json()
    assert (document["first"], document["second"]) == (first, second)
    first_root = root_from_leaf_hashes(leaf_hashes[:first]) if first else EMPTY_ROOT
    second_root = root_from_leaf_hashes(leaf_hashes[:second])
    verify_consistency(first, second, first_root, second_root, hashes(document["proof"]))
    if 0 < first < second:
        with pytest.raises(VerificationFailed):
            verify_consistency(first, second, flip_bit(first_root), second_root, hashes(document["proof"]))


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("inclusion", {"index": 10, "size": 10}, 400, "index_out_of_range"),
        ("inclusion", {"index": 0, "size": 0}, 400, "index_out_of_range"),
        ("inclusion", {"index": 0, "size": 6496}, 404, "size_out_of_range"),
        ("inclusion", {"index": -1, "size": 10}, 400, "invalid_request"),
        ("inclusion", {"index": 0}, 400, "invalid_request"),
        ("consistency", {"first": 11, "second": 10}, 400, "size_out_of_range"),
        ("consistency", {"first": 1, "second": 6496}, 404, "size_out_of_range"),
        ("consistency", {"first": "one", "second": 2}, 400, "invalid_request"),
    ],
)
def test_proofs_out_of_range_are_problems(
    demo_client: TestClient, path: str, params: dict[str, Any], status: int, code: str
) -> None:
    assert_problem(demo_client.get(f"/v1/proofs/{path}", params=params), status, code)


def test_keys_list_every_registered_key_as_its_entries_say(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    response = demo_client.get("/v1/keys", headers=bearer(demo_tokens.auditor))
    assert response.status_code == 200
    keys = response.json()
    entries = [json.loads(leaf)["entry"] for leaf in demo.leaves]
    # The root key comes first: the genesis entry makes it the first administrator.
    genesis = entries[0]["body"]
    assert keys[0] == {
        "fingerprint": demo.trust["root_fingerprint"],
        "public_key": genesis["root_key"],
        "role": "administrator",
        "scope": ["*"],
        "holder": {"name": genesis["name"], "title": "root key"},
        "office": None,
        "registered_index": 0,
        "revoked_index": None,
        "revoked_reason": None,
    }
    registered = [i for i, e in enumerate(entries) if e["kind"] == "key.registered"]
    assert [k["registered_index"] for k in keys[1:]] == registered
    revocations = {e["stream"]: (i, e["body"]["reason"]) for i, e in enumerate(entries) if e["kind"] == "key.revoked"}
    assert revocations and sum(k["revoked_index"] is not None for k in keys) == len(revocations)
    for key in keys[1:]:
        body = entries[key["registered_index"]]["body"]
        assert key["fingerprint"] == fingerprint(decode_base64(body["public_key"]))
        assert entries[key["registered_index"]]["stream"] == f"key/{key['fingerprint']}"
        # Rules edition 3 (the demo's): the holder is named by pseudonym, never by name.
        holder = {"name": body["holder"]["person"], "title": body["holder"]["title"]}
        assert (key["public_key"], key["role"], key["scope"], key["holder"]) == (
            body["public_key"],
            body["role"],
            body["scope"],
            holder,
        )
        assert key["office"] == body.get("office")  # as registered (witnesses and overseers, edition 2)
        revoked = revocations.get(f"key/{key['fingerprint']}")
        assert (key["revoked_index"], key["revoked_reason"]) == (revoked if revoked else (None, None))
    assert any(key["office"] is not None for key in keys)  # the demo's witnesses and overseers


def test_export_is_a_tar_gz_that_verifies_offline(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens, tmp_path: Path
) -> None:
    response = demo_client.get("/v1/export", headers=bearer(demo_tokens.auditor))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert response.headers["content-disposition"] == f'attachment; filename="integritas-log-{demo.size}.tar.gz"'
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
        names = archive.getnames()
        archive.extractall(tmp_path, filter="data")
    tiles = [tile.path for tile in tiles_for_size(demo.size)]
    bundles = [bundle.path for bundle in entry_bundles_for_size(demo.size)]
    assert sorted(names) == sorted(["checkpoint", "trust.json", *tiles, *bundles])
    assert json.loads((tmp_path / "trust.json").read_text(encoding="utf-8")) == demo.trust

    # The auditor's trust anchor is the ledger's own trust.json, not the archive's copy.
    report = verify_log(
        ExportSource(tmp_path), TrustAnchor.load(demo.directory / "trust.json"), now=datetime.now(UTC), workers=1
    )
    assert report.ok, [failure.to_json() for failure in report.failures]
    assert (report.entries_checked, report.tiles_checked) == (demo.size, len(tiles))
    assert report.checkpoint is not None and report.checkpoint.tree_size == demo.size


def test_export_is_for_operators_too(demo_client: TestClient, demo_tokens: Tokens) -> None:
    response = demo_client.get("/v1/export", headers=bearer(demo_tokens.operator))
    assert response.status_code == 200
    assert response.content[:2] == b"\x1f\x8b"  # gzip


def test_tlog_checkpoint_is_the_latest_signed_note_never_cached(demo: DemoLog, demo_client: TestClient) -> None:
    response = demo_client.get("/tlog/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response.headers["cache-control"]
    assert response.text == demo_client.get("/v1/log").json()["checkpoint"]
    checkpoint = verify_checkpoint(response.text, parse_verifier_key(demo.trust["verifier_key"]))
    assert checkpoint.tree_size == demo.size
    assert checkpoint.root_hash == root_from_leaf_hashes([hash_leaf(leaf) for leaf in demo.leaves])


def expected_tile(leaf_hashes: list[bytes], tile: Tile) -> bytes:
    """A hash tile straight from the spec's formula, MTH(D[(n*256+i)*256**L : (n*256+i+1)*256**L])."""
    assert isinstance(tile.level, int)
    span = TILE_WIDTH**tile.level
    first = tile.index * TILE_WIDTH
    return b"".join(
        root_from_leaf_hashes(leaf_hashes[(first + i) * span : (first + i + 1) * span]) for i in range(tile.width)
    )


def test_every_hash_tile_is_the_trees_and_immutable(
    demo: DemoLog, demo_client: TestClient, leaf_hashes: list[bytes]
) -> None:
    tiles = [*tiles_for_size(demo.size), Tile(0, 0, 5), Tile(0, 17, 255), Tile(1, 0, 3)]
    assert {tile.path for tile in tiles} >= {"tile/0/000", "tile/0/025.p/95", "tile/1/000.p/25", "tile/0/000.p/5"}
    for tile in tiles:
        response = demo_client.get(f"/tlog/{tile.path}")  # public
        assert response.status_code == 200, tile.path
        assert response.headers["content-type"] == "application/octet-stream"
        assert "immutable" in response.headers["cache-control"]
        assert response.content == expected_tile(leaf_hashes, tile), tile.path


@pytest.mark.parametrize("path", ["tile/0/026", "tile/0/025.p/96", "tile/0/025", "tile/1/000", "tile/2/000.p/1"])
def test_a_tile_beyond_the_tree_is_404(demo_client: TestClient, path: str) -> None:
    assert_problem(demo_client.get(f"/tlog/{path}"), 404, "tile_not_found")


@pytest.mark.parametrize(
    "path",
    ["tile/0/18", "tile/0/000.p/256", "tile/0/000.p/0", "tile/64/000", "tile/0/x000/001", "tile/-1/000", "tile/"],
)
def test_a_path_that_is_no_tile_is_400(demo_client: TestClient, path: str) -> None:
    assert_problem(demo_client.get(f"/tlog/{path}"), 400, "invalid_tile_path")


def test_entry_bundles_hold_the_leaves_and_need_a_token(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    assert_problem(demo_client.get("/tlog/tile/entries/000"), 401, "unauthorized")
    bundles = [*entry_bundles_for_size(demo.size), Tile("entries", 3, 10)]
    for bundle in bundles:
        response = demo_client.get(f"/tlog/{bundle.path}", headers=bearer(demo_tokens.overseer))
        assert response.status_code == 200, bundle.path
        # Token-gated data is never kept by a cache (issue 10, item 12), immutable as it is.
        assert response.headers["cache-control"] == "no-store"
        start = bundle.index * TILE_WIDTH
        assert parse_entry_bundle(response.content, bundle) == list(demo.leaves[start : start + bundle.width])
    assert_problem(
        demo_client.get("/tlog/tile/entries/025.p/96", headers=bearer(demo_tokens.auditor)), 404, "tile_not_found"
    )


# --- access ---------------------------------------------------------------------------------------------

PROTECTED = ["/v1/entries/0", "/v1/streams/ledger", "/v1/keys", "/v1/export", "/tlog/tile/entries/000"]
PUBLIC = [
    "/v1/log",
    "/v1/proofs/inclusion?index=0&size=1",
    "/v1/proofs/consistency?first=1&second=2",
    "/v1/entries/0/proof",
    "/tlog/checkpoint",
    "/tlog/tile/0/000",
    "/tlog/tile/1/000.p/1",
]


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("credentials", ["none", "unknown token", "revoked token", "basic scheme", "empty bearer"])
def test_reads_of_contents_without_a_valid_token_are_401(
    demo_client: TestClient, demo_tokens: Tokens, path: str, credentials: str
) -> None:
    headers = {
        "none": {},
        "unknown token": bearer("not-a-token-anyone-was-given"),
        "revoked token": bearer(demo_tokens.revoked),
        "basic scheme": {"authorization": f"Basic {demo_tokens.auditor}"},
        "empty bearer": {"authorization": "Bearer "},
    }[credentials]
    response = demo_client.get(path, headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer realm="integritas"'


@pytest.mark.parametrize("path", PROTECTED)
def test_every_read_role_reads_contents_and_only_overseers_may_not_export(
    demo_client: TestClient, demo_tokens: Tokens, path: str
) -> None:
    for role in ("auditor", "operator", "overseer"):
        response = demo_client.get(path, headers=bearer(getattr(demo_tokens, role)))
        if path == "/v1/export" and role == "overseer":
            problem = assert_problem(response, 403, "forbidden")
            assert "overseer" in problem["detail"]
        else:
            assert response.status_code == 200, (role, response.text)


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes_need_no_token(demo_client: TestClient, path: str) -> None:
    assert demo_client.get(path).status_code == 200


def test_a_token_revoked_while_serving_stops_working(client: TestClient, tokens: Tokens) -> None:
    record, token = TokenFile(tokens.path).add("Kejaksaan Negeri Blora", "overseer")
    assert client.get("/v1/keys", headers=bearer(token)).status_code == 200
    TokenFile(tokens.path).revoke(record.id)
    assert_problem(client.get("/v1/keys", headers=bearer(token)), 401, "unauthorized")
    assert client.get("/v1/keys", headers=bearer(tokens.auditor)).status_code == 200


ERRORS = [
    ("GET", "/nowhere", 404, "no_such_route"),
    ("GET", "/v1", 404, "no_such_route"),
    ("DELETE", "/v1/log", 405, "method_not_allowed"),
    ("PUT", "/v1/entries", 405, "method_not_allowed"),
    ("POST", "/tlog/checkpoint", 405, "method_not_allowed"),
    ("GET", "/v1/entries", 405, "method_not_allowed"),
    ("GET", "/v1/entries/99999", 401, "unauthorized"),
    ("GET", "/v1/entries/99999/proof", 404, "index_out_of_range"),
    ("GET", "/v1/proofs/inclusion", 400, "invalid_request"),
    ("GET", "/tlog/tile/9/000", 404, "tile_not_found"),
    ("GET", "/tlog/tile/zero", 400, "invalid_tile_path"),
    ("POST", "/v1/entries", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(("method", "path", "status", "code"), ERRORS)
def test_every_error_is_a_problem_document(
    demo_client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    problem = assert_problem(demo_client.request(method, path), status, code)
    if code in ("no_such_route", "method_not_allowed"):
        assert path in problem["detail"]


def test_a_405_names_the_allowed_methods(demo_client: TestClient) -> None:
    response = demo_client.delete("/v1/log")
    assert response.status_code == 405
    assert response.headers.get("allow") == "GET"


def test_head_is_answered_like_get_without_a_body(demo_client: TestClient) -> None:
    response = demo_client.head("/tlog/checkpoint")
    assert response.status_code == 200
    assert response.content == b""


def test_deeply_nested_submissions_are_client_errors_at_every_depth(client: TestClient, builder: ApiBuilder) -> None:
    """Depths around the interpreter's recursion limit: each is refused with a 4xx, none is a 500."""
    entry = builder.entry(builder.root, "policy.set", "ledger", {"policy": "@"}, seq=1, prev=encode_base64(bytes(32)))
    # Spliced as text: encoding such depths here would hit this test's own recursion limit.
    before, after = json.dumps({"entry": entry, "signature": encode_base64(bytes(64))}).split('"@"')
    statuses = {}
    for depth in range(850, 1001):
        nested = '{"a":' * depth + "{}" + "}" * depth
        response = post_submission(client, (before + nested + after).encode())
        statuses[depth] = response.status_code
    assert {depth: status for depth, status in statuses.items() if status >= 500} == {}
    assert set(statuses.values()) <= {400, 409, 422}


# --- settings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "integritas.example"])
def test_settings_refuse_a_public_bind_unless_allowed(ledger_dir: Path, host: str) -> None:
    with pytest.raises(ValidationError, match=f"refusing to listen on {host}"):
        Settings(ledger_dir=ledger_dir, host=host)
    assert Settings(ledger_dir=ledger_dir, host=host, allow_public_bind=True).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_settings_accept_loopback(ledger_dir: Path, host: str) -> None:
    assert Settings(ledger_dir=ledger_dir, host=host).host == host


def test_serve_refuses_a_public_bind_before_starting(
    ledger_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("INTEGRITAS_LEDGER_DIR", "INTEGRITAS_HOST", "INTEGRITAS_PORT", "INTEGRITAS_WORKERS"):
        monkeypatch.delenv(name, raising=False)  # `serve` exports them; undone after the test
    assert cli_main(["serve", "--ledger", str(ledger_dir), "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err
