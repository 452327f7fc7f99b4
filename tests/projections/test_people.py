"""People and search over the Blora demo (issue 13): the directory of keys, the search index, signers asked
by name or by the start of a fingerprint, unit ids in any case.

What each answer should hold is read from the log itself (the store's key registry, the pact streams),
not from the views being tested; the materialised answers are also held equal to an offline fold's.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from demo.build import DEMO_KEYS, WALKTHROUGH_UNIT
from ledger import codes
from ledger.errors import MalformedInput, NotFound
from ledger.rules import KeyRecord
from ledger.store.datadir import LedgerConfig, open_ledger
from projections import people, queries
from projections.projector import ViewProjector
from projections.queries import MemoryViews
from tests.projections.helpers import DemoLedger, demo_fingerprint


@pytest.fixture(scope="module")
def keys(demo: DemoLedger) -> list[KeyRecord]:
    """Every registered key, from the store's own registry (the rules state, not the views)."""
    store = open_ledger(demo.directory)
    try:
        return store.registered_keys()
    finally:
        store.close()


@pytest.fixture(scope="module")
def views(demo: DemoLedger, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's materialised views (SQLite), rebuilt in a copy of its data directory."""
    directory = demo.copy(tmp_path_factory.mktemp("people") / "ledger")
    config = LedgerConfig.read(directory)
    projector = ViewProjector(config.storage, config.origin)
    projector.rebuild()
    return projector.view


def ask(recorder: Any, function: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    return queries.read(recorder, function, *args, **kwargs)


def by_name(keys: list[KeyRecord], fingerprint: str) -> KeyRecord:
    return next(k for k in keys if k.fingerprint == fingerprint)


# --- the directory --------------------------------------------------------------------------------------


def test_the_directory_lists_every_registered_key_by_name(views: Any, keys: list[KeyRecord]) -> None:
    rows: list[dict[str, Any]] = []
    while True:
        answer = ask(views, queries.people_directory, offset=len(rows), limit=queries.MAX_PAGE)
        rows += answer["data"]
        if len(rows) >= answer["page"]["total"]:
            break
    assert answer["page"]["total"] == len(keys) == len(rows)
    assert {r["fingerprint"] for r in rows} == {k.fingerprint for k in keys}
    assert [people.name_key(r["name"]) for r in rows] == sorted(people.name_key(r["name"]) for r in rows)
    head = by_name(keys, demo_fingerprint(f"unit_head/{WALKTHROUGH_UNIT}"))
    row = next(r for r in rows if r["fingerprint"] == head.fingerprint)
    assert row["name"] == head.holder_name and row["title"] == head.holder_title
    assert (row["role"], row["scope"], row["revoked"]) == ("unit_head", [WALKTHROUGH_UNIT], None)
    assert row["valid_from"]["index"] == head.registered_index
    assert row["valid_from"]["at"] is not None


def test_a_revoked_key_is_shown_revoked_with_when_and_why(views: Any, keys: list[KeyRecord]) -> None:
    """The first regent's key was revoked at the handover of 2021: the directory says so."""
    old_regent = by_name(keys, demo_fingerprint("regent/1"))
    assert old_regent.revoked_index is not None
    answer = ask(views, queries.people_directory, role="regent")
    row = next(r for r in answer["data"] if r["fingerprint"] == old_regent.fingerprint)
    assert row["revoked"] == {
        "index": old_regent.revoked_index,
        "at": row["revoked"]["at"],
        "reason": "masa jabatan Bupati berakhir",
    }
    assert row["revoked"]["at"].startswith("2021-02-26")
    current = next(r for r in answer["data"] if r["fingerprint"] == demo_fingerprint("regent/3"))
    assert current["revoked"] is None  # its twin: the regent in office
    assert {r["role"] for r in answer["data"]} == {"regent"}
    assert answer["page"]["total"] == sum(1 for k in keys if k.role == "regent") == 3


# --- search ---------------------------------------------------------------------------------------------


def _search(views: Any, q: str) -> list[dict[str, Any]]:
    return list(ask(views, queries.search, q=q, limit=queries.MAX_PAGE)["data"])


def test_search_finds_a_unit_by_a_word_of_its_name_and_by_its_id(views: Any) -> None:
    found = _search(views, "penanaman modal")
    assert [(r["what"], r["unit"]) for r in found] == [("unit", "dpmptsp")]
    assert _search(views, "DPMPTSP")[0] == {
        "what": "unit",
        "unit": "dpmptsp",
        "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "type": "dinas",
        "stage": found[0]["stage"],
    }


def test_search_finds_a_person_by_name_in_any_case_and_accents(views: Any, keys: list[KeyRecord]) -> None:
    head = by_name(keys, demo_fingerprint(f"unit_head/{WALKTHROUGH_UNIT}"))
    shouted = head.holder_name.upper().replace("A", "Á")  # accents and case are ignored
    found = _search(views, shouted)
    assert head.fingerprint in {r.get("fingerprint") for r in found if r["what"] == "key"}
    # The head also signed a pact as an employee of the unit: found under the same name.
    assert any(
        r["what"] == "employee" and r["unit"] == WALKTHROUGH_UNIT and r["name"] == head.holder_name for r in found
    )
    assert _search(views, "zzqqxx") == []  # its negative twin: nobody is called that


def test_search_finds_an_employee_by_number_and_a_key_by_fingerprint_start(
    demo: DemoLedger, views: Any, keys: list[KeyRecord]
) -> None:
    store = open_ledger(demo.directory)
    try:
        pacts = store.stream_entries("pact/dinkes/" + _a_number(store, "dinkes"))
        number = _a_number(store, "dinkes")
        employee = store.entry(pacts[0][0]).document()["entry"]["body"]["employee"]
        name = employee.get("name", employee.get("person"))  # rules edition 3: the views know the pseudonym only
    finally:
        store.close()
    found = _search(views, number)
    employees = [r for r in found if r["what"] == "employee"]
    assert [(r["what"], r["unit"], r["number"], r["name"]) for r in employees] == [("employee", "dinkes", number, name)]
    # Rules edition 3: one pseudonym names the employee and, when they hold a key, its holder; nothing else.
    assert all(r["what"] == "key" and r["name"] == number for r in found if r not in employees)
    assert [r["number"] for r in _search(views, number[:12]) if r["what"] == "employee"].count(number) == 1
    fingerprint = demo_fingerprint("tpi/1")
    found = _search(views, fingerprint[:10].upper())
    assert [(r["what"], r["fingerprint"]) for r in found] == [("key", fingerprint)]
    assert found[0]["name"] == by_name(keys, fingerprint).holder_name


def _a_number(store: Any, unit: str) -> str:
    """The employee number of the first pact stream of `unit` in the log."""
    for index in range(store.size):
        entry = store.entry(index).document()["entry"]
        if entry["kind"] == "pact.signed" and entry["stream"].startswith(f"pact/{unit}/"):
            number: str = entry["stream"].split("/")[2]  # the NIP, or under rules edition 3 the pseudonym
            return number
    raise AssertionError(f"no pact of {unit}")


def test_a_search_without_words_is_refused(views: Any) -> None:
    for q in ("", " .,- ", None, "x" * (people.MAX_QUERY + 1)):
        with pytest.raises(MalformedInput) as refused:
            ask(views, queries.search, q=q)
        assert refused.value.code == codes.INVALID_PARAMETER


# --- signers by name or fingerprint start ----------------------------------------------------------------


def test_the_signer_question_takes_a_name(views: Any, keys: list[KeyRecord]) -> None:
    registrar = by_name(keys, demo_fingerprint(f"pact_registrar/{WALKTHROUGH_UNIT}"))
    by_fingerprint = ask(views, queries.signer_activity, registrar.fingerprint)
    by_holder = ask(views, queries.signer_activity, registrar.holder_name.lower())
    assert by_holder["params"]["signer"] == registrar.fingerprint
    assert by_holder["digest"] == by_fingerprint["digest"]  # the same question, however it was asked
    assert by_holder["data"]["signer"]["holder"]["name"] == registrar.holder_name
    assert by_holder["page"]["total"] > 0


def test_a_name_several_keys_share_answers_with_the_candidates(views: Any, keys: list[KeyRecord]) -> None:
    """The regent in office holds two keys (regent and witness): his name alone is ambiguous."""
    regent = by_name(keys, demo_fingerprint("regent/3"))
    with pytest.raises(MalformedInput) as ambiguous:
        ask(views, queries.signer_activity, regent.holder_name)
    assert ambiguous.value.code == codes.AMBIGUOUS_SIGNER
    candidates = ambiguous.value.evidence["candidates"]
    held = {k.fingerprint for k in keys if k.holder_name == regent.holder_name}
    assert {c["fingerprint"] for c in candidates} == held == {regent.fingerprint, demo_fingerprint("witness/regent/3")}
    assert all(c["name"] == regent.holder_name for c in candidates)
    assert regent.holder_name in ambiguous.value.message


def test_an_ambiguous_fingerprint_start_answers_with_the_candidates(views: Any, keys: list[KeyRecord]) -> None:
    starts: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        starts[key.fingerprint[:3]].append(key.fingerprint)
    start, shared = next((s, f) for s, f in sorted(starts.items()) if len(f) == 2 and any(c.isdigit() for c in s))
    with pytest.raises(MalformedInput) as ambiguous:
        ask(views, queries.signer_activity, start)
    assert ambiguous.value.code == codes.AMBIGUOUS_SIGNER
    assert sorted(c["fingerprint"] for c in ambiguous.value.evidence["candidates"]) == sorted(shared)
    # One digit more than they share: one key, and its answer.
    common = next(i for i in range(64) if shared[0][i] != shared[1][i])
    answer = ask(views, queries.signer_activity, shared[0][: common + 1])
    assert answer["params"]["signer"] == shared[0]


def test_an_unknown_name_is_unknown_signer(views: Any) -> None:
    with pytest.raises(NotFound) as unknown:
        ask(views, queries.signer_activity, "Nama Yang Tidak Ada")
    assert unknown.value.code == codes.UNKNOWN_SIGNER


# --- units in any case, pacts of a person, the offline twin ------------------------------------------------


def test_unit_ids_are_found_in_any_case(views: Any) -> None:
    upper = ask(views, queries.unit_status, "DPMPTSP")
    assert upper == ask(views, queries.unit_status, "dpmptsp")
    assert upper["params"] == {"unit": "dpmptsp"}
    assert ask(views, queries.unit_history, "DpmPtsp", limit=5)["page"]["total"] > 0
    with pytest.raises(NotFound):
        ask(views, queries.unit_status, "DPMPTSPX")


def test_a_unit_heads_pacts_are_the_pacts_of_their_name_in_their_unit(views: Any, keys: list[KeyRecord]) -> None:
    head = by_name(keys, demo_fingerprint(f"unit_head/{WALKTHROUGH_UNIT}"))
    with views.snapshot():
        document = views.person(head.fingerprint)
        pacts = people.pacts_of(queries.DatabaseViews(views), document)
    assert [(p["unit"], p["name"]) for p in pacts] == [(WALKTHROUGH_UNIT, head.holder_name)]
    assert pacts[0]["valid"] is True


def test_the_answers_equal_an_offline_fold(views: Any, demo_offline: MemoryViews, keys: list[KeyRecord]) -> None:
    """Online (view tables) and offline (a fold of the data directory) give the same answers, digests too."""
    name = by_name(keys, demo_fingerprint("tpn/1")).holder_name
    for function, kwargs in (
        (queries.people_directory, {"limit": 40, "offset": 20}),
        (queries.people_directory, {"role": "employee"}),
        (queries.search, {"q": "kecamatan"}),
        (queries.search, {"q": name}),
        (queries.search, {"q": name[:8]}),  # the start of a pseudonym (edition 3 has no NIP in the log)
    ):
        online = ask(views, function, **kwargs)
        assert online == function(demo_offline, **kwargs)
        assert online["data"], f"{function.__name__} {kwargs} found nothing"


def test_views_made_before_the_index_get_it_at_their_next_catch_up(demo: DemoLedger, tmp_path: Path) -> None:
    """A data directory whose views an earlier release wrote has no directory and no search terms: the
    next catch-up (or server start) fills them from the fold, and says so in the views' meta."""
    directory = demo.copy(tmp_path / "ledger")
    config = LedgerConfig.read(directory)
    projector = ViewProjector(config.storage, config.origin)
    projector.rebuild()
    projector.view.corrupt_for_test("DELETE FROM view_people")
    projector.view.corrupt_for_test("DELETE FROM view_search")
    projector.view.corrupt_for_test("DELETE FROM view_meta WHERE name = 'people_index'")
    assert ask(projector.view, queries.search, q="dpmptsp")["data"] == []
    again = ViewProjector(config.storage, config.origin)
    assert again.catch_up() == 0
    assert [r["unit"] for r in ask(again.view, queries.search, q="dpmptsp")["data"]] == ["dpmptsp"]
    assert ask(again.view, queries.people_directory)["page"]["total"] > 200


def test_the_demo_hands_out_one_valid_key_per_role(demo: DemoLedger, keys: list[KeyRecord]) -> None:
    from ledger.crypto.keys import fingerprint, read_private_key

    folder = demo.directory / DEMO_KEYS
    assert folder.stat().st_mode & 0o777 == 0o700
    files = sorted(folder.glob("*.key"))
    registry = {k.fingerprint: k for k in keys}
    roles = set()
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600
        key = registry[fingerprint(read_private_key(path).public_key())]
        assert key.revoked_index is None
        assert path.name.startswith(f"{key.role}-")
        roles.add(key.role)
    assert roles == {k.role for k in keys}  # every role of the demo
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("DEMO KEYS - NOT FOR A REAL LEDGER")
    assert all(path.name in readme for path in files)
