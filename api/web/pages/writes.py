"""Writing from the browser (issue 13): keys made and kept on this device, signing in with one, and
the forms of every role.

The pages carry no secret: the private key is made by WebCrypto in the browser, kept in its
IndexedDB as a non-extractable CryptoKey, and signs there (static/keystore.js). The server renders
the form catalogue (api.web.forms) and the rule messages in the reader's language; the entry is
signed in the page and sent to `POST /v1/entries`, whose receipt the page verifies. Under rules
edition 3 the pact and key-registration forms name the person by pseudonym and commitment, made in
the page (static/persons.js), and send the data beside the entry to `POST /v1/personal-data/disclosures`.
"""

from __future__ import annotations

import io
import json
from typing import Any

import segno
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.sessions import FINGERPRINT, SESSION_COOKIE, KeySession, current_session
from api.web.access import PageError, safe_next, same_origin
from api.web.forms import FORMS_BY_KIND, Form, forms_for
from api.web.i18n import WRITE_WORDS, Translator
from api.web.pages.shared import page_store, router
from api.web.render import PAGE_HEADERS, render, translator
from ledger.crypto.note import format_verifier_key
from ledger.entry import ALL_SCORE_AREAS
from ledger.rules.messages import REFUSALS
from ledger.rules.state import Person
from ledger.store.reader import LedgerReader


def _words(t: Translator) -> str:
    """The scripts' own words in the page's language (the catalogue in api.web.i18n)."""
    return json.dumps({key: t.gettext(message) for key, message in WRITE_WORDS.items()}, ensure_ascii=False)


def _log_context(request: Request) -> dict[str, Any]:
    store = page_store(request)
    return {"origin": store.origin, "verifier_key": format_verifier_key(store.verifier_key)}


@router.get("/keys/new")
def new_key_page(request: Request) -> HTMLResponse:
    """Make a key on this device: its fingerprint as text and QR code, and an optional backup."""
    t = translator(request)
    return render(request, "keys_new.html", nav="keys", words=_words(t), **_log_context(request))


@router.get("/keys/device")
def device_keys_page(request: Request) -> HTMLResponse:
    """The keys this browser holds, what the log says of each, and deleting one from the device."""
    t = translator(request)
    return render(request, "keys_device.html", nav="keys", words=_words(t), **_log_context(request))


@router.get("/keys/qr/{fingerprint}.svg")
def fingerprint_qr(fingerprint: str) -> Response:
    """The QR code (SVG, by segno) of a key fingerprint: public, it says what the text beside it says."""
    if not FINGERPRINT.fullmatch(fingerprint):
        raise PageError(404, "There is no page at this address.")
    out = io.BytesIO()
    segno.make(fingerprint, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False, title=fingerprint)
    return Response(
        out.getvalue(), media_type="image/svg+xml", headers={**PAGE_HEADERS, "Cache-Control": "public, max-age=86400"}
    )


@router.get("/signin")
def signin_page(request: Request) -> HTMLResponse:
    """Sign in with a key this device holds: the page signs the server's challenge."""
    t = translator(request)
    return render(
        request,
        "signin.html",
        nav="signin",
        words=_words(t),
        next=safe_next(request.query_params.get("next") or "/write"),
        session=current_session(request),
        **_log_context(request),
    )


@router.post("/signout")
def sign_out_page(request: Request) -> Response:
    """Forget this browser's key session (the key stays on the device)."""
    if not same_origin(request):
        raise PageError(403, "The form was sent from another site.")
    response = RedirectResponse("/signin", status_code=303, headers=PAGE_HEADERS)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/write")
def write_index(request: Request) -> HTMLResponse:
    """The forms the signed-in key's role may use."""
    session = current_session(request)
    forms = forms_for(session.key_role if session else None, _rules(page_store(request)))
    return render(request, "write_index.html", nav="write", forms=forms, session=session)


def _rules(store: LedgerReader) -> int:
    """The log's rules edition (2 before its genesis: what the forms default to)."""
    policy = store.policy()
    return policy.rules if policy is not None else 2


@router.get("/write/{kind}")
def write_form(kind: str, request: Request) -> HTMLResponse:
    """One kind's form: filled, shown exactly as it will be signed, signed here, sent, its receipt checked."""
    form = FORMS_BY_KIND.get(kind)
    if form is None:
        raise PageError(404, "There is no page at this address.")
    t = translator(request)
    session = current_session(request)
    messages = {reason: message.template(t.lang) for reason, message in REFUSALS.items()}
    store = page_store(request)
    rules = _rules(store)
    if form.since() > rules:
        raise PageError(404, "This log's rules (edition {rules}) have no {kind} entries.", rules=rules, kind=kind)
    allowed = session is not None and session.key_role in form.roles
    return render(
        request,
        "write_form.html",
        nav="write",
        form=form,
        fields=form.fields_for(rules),
        person=form.committed(rules),
        own=_own_person(store, session, form) if form.committed(rules) else None,
        session=session,
        allowed=allowed,
        catalogue=json.dumps(form.document(rules), ensure_ascii=False),
        messages=json.dumps(messages, ensure_ascii=False),
        words=_words(t),
        score_areas=ALL_SCORE_AREAS,
        **_log_context(request),
    )


def _own_person(store: LedgerReader, session: KeySession | None, form: Form) -> Person | None:
    """Rules edition 3: an employee signs their own pact as their key's holder, by the pseudonym and
    commitment the key's registration logged (the store holds the data already, so the page sends
    none). None for other signers, who name the person by name and number."""
    if session is None or session.key_role != "employee" or form.kind != "pact.signed":
        return None
    key = store.key(session.fingerprint)
    if key is None or key.holder_person is None:
        return None  # an edition-2 key on a raised log: the rules say whose pact it may sign
    return store.person(key.holder_person)
