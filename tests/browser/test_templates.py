"""The pages' sources, checked without a browser: every message has its Indonesian translation, and
nothing in a template or script needs what the CSP forbids (inline script, inline style)."""

from __future__ import annotations

import re
from pathlib import Path

from api import web
from api.web import i18n
from api.web.pages import oversight
from api.web.render import STATIC, TEMPLATES

MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def template_messages() -> set[str]:
    found = set()
    for path in TEMPLATES.glob("*.html"):
        for match in MESSAGE.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return found


def code_messages() -> set[str]:
    """Messages the routes pass on to be translated: titles, labels, error messages."""
    found = set()
    for question in oversight.QUESTIONS.values():
        found |= {question.title, question.description}
        found |= {f.label for f in question.filters} | {c.label for c in question.columns}
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(web.__file__).parent.rglob("*.py"))
    found |= set(re.findall(r'PageError\(\s*\d{3},\s*"([^"]+)"', source))
    found |= set(re.findall(r'problem="([^"]+)"', source))
    found |= set(re.findall(r'gettext\("([^"]+)"\)', source))
    from api.web.errors import TITLES

    found |= set(TITLES.values())
    return found


def test_every_message_has_an_indonesian_translation() -> None:
    messages = template_messages() | code_messages()
    assert len(messages) > 100
    missing = sorted(m for m in messages if m not in i18n.INDONESIAN)
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    for english, indonesian in i18n.INDONESIAN.items():
        assert set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", indonesian)), english


def test_labels_cover_both_languages() -> None:
    for category, languages in i18n.LABELS.items():
        assert set(languages["id"]) == set(languages["en"]), category


def test_every_score_area_has_a_label_in_both_languages() -> None:
    from ledger.entry import ALL_SCORE_AREAS

    for lang in ("id", "en"):
        translator = i18n.Translator(lang)
        for area in ALL_SCORE_AREAS:
            assert translator.label("area", area) != area, (lang, area)
    # The twin: an area the ledger does not know falls back to its id (so the check above can fail).
    assert i18n.Translator("id").label("area", "no-such-area") == "no-such-area"


def test_a_record_and_a_note_are_different_words() -> None:
    # The oversight notes table of the printed report has both columns side by side.
    assert i18n.INDONESIAN["Note"] != i18n.INDONESIAN["Record"]


def test_no_inline_script_or_style() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", text), f"{path.name} has a style attribute"
        assert "<style" not in text, f"{path.name} has a style element"
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{path.name} has an inline script"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path.name} has an inline event handler"
    for path in STATIC.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert ".style." not in text and "innerHTML" not in text, path.name
        assert "http://" not in text and "https://" not in text, f"{path.name} loads something from elsewhere"


def test_dates_and_numbers() -> None:
    indonesian, english = i18n.Translator("id"), i18n.Translator("en")
    assert indonesian.when("2020-07-08T02:02:00Z") == "8 Juli 2020 09.02 WIB"
    assert english.when("2020-07-08T02:02:00Z") == "8 July 2020, 09:02 WIB"
    assert indonesian.day("2022-06-19T20:00:00Z") == "20 Juni 2022"  # 03:00 WIB the next day
    assert indonesian.day("2024-06-19") == "19 Juni 2024"
    assert indonesian.num(4681) == "4.681" and english.num(4681) == "4,681"
    assert indonesian.pct("0.9783") == "97,8%" and english.pct("1.0000") == "100.0%"
    assert indonesian.dec("89.71") == "89,71"
    assert indonesian.check("business_process 3.10 is below 4.20 (60.00% of 7.00)") == (
        "Penataan tata laksana 3,10 di bawah 4,20 (60,00% dari 7,00)"
    )
    assert english.check("ipkp 11.06 is below 14.00") == "IPKP 11.06 is below 14.00"
    assert english.check("total 84.27 is below 85.00") == "Total 84.27 is below 85.00"
    assert english.check("something else") == "something else"


def test_a_refusal_is_rendered_from_its_reason_and_params() -> None:
    indonesian, english = i18n.Translator("id"), i18n.Translator("en")
    check = {
        "code": "share_below",
        "params": {"area": "business_process", "score": "3.10", "needed": "4.20", "share": "60.00", "weight": "7.00"},
    }
    params = {
        "checks": [check, {"code": "score_below", "params": {"area": "total", "score": "84.27", "needed": "85.00"}}]
    }
    assert indonesian.message("thresholds_not_met", params) == (
        "ambang batas tidak terpenuhi: Penataan tata laksana 3,10 di bawah 4,20 (60,00% dari 7,00); "
        "Total 84,27 di bawah 85,00"
    )
    assert english.message("thresholds_not_met", params).startswith(
        "thresholds not met: Business process 3.10 is below"
    )
    coverage = {"unit": "dinkes", "valid": 7, "headcount": 10, "minimum": "0.75"}
    assert indonesian.message("pact_coverage_too_low", coverage) == (
        "cakupan pakta integritas dinkes 7/10, di bawah batas kebijakan 0,75"
    )
    assert (
        english.message("pact_coverage_too_low", coverage) == "pact coverage of dinkes is 7/10, below the policy's 0.75"
    )
