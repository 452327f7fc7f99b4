"""The forms' catalogue (api.web.forms) against the ledger: every form is of a kind the entry format
knows, fills only members its body has, maps refusals the rules' catalogue has to fields it has, and
offers itself to roles the rules let sign the kind. Each check has a broken catalogue that it catches."""

from __future__ import annotations

import dataclasses

from api.web.forms import FORMS, Form
from ledger.entry import BODIES
from ledger.rules.fold import ROLES_OF_KIND
from ledger.rules.messages import REFUSALS

# Kinds whose signer follows from the body (the stage machine, the level) or that a key may sign of itself.
SIGNED_BY_TRANSITION = {"stage.advanced", "assessment.reviewed", "key.revoked"}


def catalogue_problems(forms: tuple[Form, ...]) -> list[str]:
    problems = []
    for form in forms:
        if form.kind not in BODIES:
            problems.append(f"{form.kind}: not a kind")
            continue
        required, optional = BODIES[form.kind]
        members = set(required) | set(optional)
        names = {field.name for field in form.fields}
        for field in form.fields:
            if field.body and field.name.split(".")[0] not in members:
                problems.append(f"{form.kind}: {field.name} is no member of its body")
        for member in required:
            if not any(f.body and f.name.split(".")[0] == member for f in form.fields):
                problems.append(f"{form.kind}: the required member {member} has no field")
        for reason, field_name in form.problems.items():
            if reason not in REFUSALS:
                problems.append(f"{form.kind}: {reason} is not a refusal of the rules")
            if field_name not in names:
                problems.append(f"{form.kind}: {reason} maps to {field_name}, no field of the form")
        if form.kind not in SIGNED_BY_TRANSITION:
            extra = set(form.roles) - set(ROLES_OF_KIND.get(form.kind, ()))
            if extra:
                problems.append(f"{form.kind}: offered to {sorted(extra)}, who may not sign it")
    return problems


def test_the_catalogue_fits_the_ledger() -> None:
    assert catalogue_problems(FORMS) == []
    assert len({form.kind for form in FORMS}) == len(FORMS)


def test_a_broken_catalogue_is_caught() -> None:
    pact = next(form for form in FORMS if form.kind == "pact.signed")
    wrong_member = dataclasses.replace(
        pact, fields=(*pact.fields, dataclasses.replace(pact.fields[2], name="nickname"))
    )
    wrong_reason = dataclasses.replace(pact, problems={"no_such_reason": "employee.name"})
    wrong_field = dataclasses.replace(pact, problems={"pact_not_own": "nickname"})
    wrong_role = dataclasses.replace(pact, roles=("witness",))
    missing = dataclasses.replace(pact, fields=tuple(f for f in pact.fields if f.name != "signed_on"))
    for broken, words in (
        (wrong_member, "nickname is no member"),
        (wrong_reason, "no_such_reason is not a refusal"),
        (wrong_field, "maps to nickname"),
        (wrong_role, "offered to ['witness']"),
        (missing, "required member signed_on"),
    ):
        assert any(words in problem for problem in catalogue_problems((broken,))), words
