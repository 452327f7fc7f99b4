"""The message catalogue of the rules: every refusal and failing check as a code with parameters.

A refusal is raised as a reason (a key of `MESSAGES`) and its parameters (plain values); its
English text is rendered here, and the web pages render the same reason in Indonesian. Nobody
parses the English back. A reason's wire `code` (what the API's problem documents and the CLI
print) is stable; several reasons may share one code (`track_mismatch` has four).

Templates are `str.format` strings over the parameters, with one addition: a list parameter is
joined, with ", " by default, with "; " for the spec `;`, and with " <word> " for any other spec
(`{needed:or}` -> "a or b", `{needed:atau}` -> "a atau b"). A list item that is itself a message
(a mapping with `code` and `params`, such as a failing check) is rendered in the same language.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger import codes
from ledger.errors import Refused

LANGUAGES = ("en", "id")


@dataclass(frozen=True)
class Message:
    """One catalogue entry: the wire code it answers with, and its template per language."""

    code: str
    en: str
    id: str

    def template(self, lang: str) -> str:
        return self.id if lang == "id" else self.en


# Failing threshold checks are not refusals: they have no wire code of their own, only a text.
# Their English is the sentence the views keep (and hash) for each failed assessment.
CHECKS: dict[str, Message] = {
    "score_below": Message("", "{area} {score} is below {needed}", "{area} {score} di bawah {needed}"),
    "share_below": Message(
        "",
        "{area} {score} is below {needed} ({share}% of {weight})",
        "{area} {score} di bawah {needed} ({share}% dari {weight})",
    ),
    "enablers_total_below": Message(
        "", "enablers total {score} is below {needed}", "total pengungkit {score} di bawah {needed}"
    ),
    "predicate_mismatch": Message(
        "",
        "predicate is {predicate}, track {track} needs {needed}",
        "predikat {predicate}, jalur {track} memerlukan {needed}",
    ),
}

REFUSALS: dict[str, Message] = {
    # --- the policy document (ledger.genesis, policy.set) ---
    "policy_member_not_sourced": Message(
        codes.INVALID_POLICY, "policy.{name} must be {{value, source}}", "policy.{name} harus berupa {{value, source}}"
    ),
    "policy_source_missing": Message(
        codes.INVALID_POLICY,
        "policy.{name}.source must say where the number comes from",
        "policy.{name}.source harus menyebut asal angkanya",
    ),
    "policy_not_decimal": Message(
        codes.INVALID_POLICY,
        "{where} must be a decimal string, not {value!r}",
        "{where} harus string desimal, bukan {value!r}",
    ),
    "policy_not_object": Message(codes.INVALID_POLICY, "policy must be an object", "policy harus berupa objek"),
    "policy_unknown_members": Message(
        codes.INVALID_POLICY,
        "policy has unknown member(s) {members}",
        "policy memuat anggota yang tidak dikenal: {members}",
    ),
    "policy_version_invalid": Message(
        codes.INVALID_POLICY, "policy.version must be a positive integer", "policy.version harus bilangan bulat positif"
    ),
    "policy_weights_areas": Message(
        codes.INVALID_POLICY, "policy.weights must name exactly {areas}", "policy.weights harus menyebut tepat {areas}"
    ),
    "policy_thresholds_tracks": Message(
        codes.INVALID_POLICY,
        "policy.thresholds must have exactly wbk and wbbm",
        "policy.thresholds harus memuat tepat wbk dan wbbm",
    ),
    "policy_threshold_members": Message(
        codes.INVALID_POLICY,
        "policy.thresholds.{track} must have exactly {names}",
        "policy.thresholds.{track} harus memuat tepat {names}",
    ),
    "policy_prior_predicate": Message(
        codes.INVALID_POLICY,
        "policy.thresholds.{track}.prior_predicate must be none or wbk",
        "policy.thresholds.{track}.prior_predicate harus none atau wbk",
    ),
    "policy_share_above_one": Message(
        codes.INVALID_POLICY,
        "policy.thresholds.{track}.enabler_share must be at most 1",
        "policy.thresholds.{track}.enabler_share paling besar 1",
    ),
    "policy_coverage_above_one": Message(
        codes.INVALID_POLICY, "policy.min_pact_coverage must be at most 1", "policy.min_pact_coverage paling besar 1"
    ),
    "policy_bar_days": Message(
        codes.INVALID_POLICY,
        "policy.revocation_bar_days must be a whole number of days",
        "policy.revocation_bar_days harus bilangan hari yang bulat",
    ),
    "policy_rules_edition": Message(
        codes.INVALID_POLICY,
        "policy.rules must be 1, 2 or 3, not {rules!r}",
        "policy.rules harus 1, 2 atau 3, bukan {rules!r}",
    ),
    "policy_national_root": Message(
        codes.INVALID_POLICY,
        "policy.national_root must be a base64 Ed25519 public key (32 bytes)",
        "policy.national_root harus kunci publik Ed25519 base64 (32 byte)",
    ),
    "policy_models": Message(
        codes.INVALID_POLICY,
        "policy.models must name at least one score model",
        "policy.models harus menyebut paling sedikit satu model penilaian",
    ),
    "policy_model_members": Message(
        codes.INVALID_POLICY,
        "policy model {model} must be an id with exactly {names}",
        "model kebijakan {model} harus berkode dan memuat tepat {names}",
    ),
    "policy_model_years": Message(
        codes.INVALID_POLICY,
        "policy model {model}: years must be [first, last or null]",
        "model kebijakan {model}: years harus [awal, akhir atau null]",
    ),
    "policy_model_areas": Message(
        codes.INVALID_POLICY,
        "policy model {model}: areas must be distinct, from {areas}",
        "model kebijakan {model}: area harus berbeda, dari {areas}",
    ),
    "policy_models_overlap": Message(
        codes.INVALID_POLICY,
        "policy models {first} and {second} cover the same year",
        "model kebijakan {first} dan {second} mencakup tahun yang sama",
    ),
    "policy_version_not_above": Message(
        codes.INVALID_POLICY,
        "policy version {version} must be above the current {current}",
        "versi kebijakan {version} harus di atas versi yang berlaku, {current}",
    ),
    # --- every entry: log, signer, chain, role ---
    "kind_needs_edition_2": Message(
        codes.RULES_EDITION,
        "kind {kind} needs rules edition 2: this log's policy is edition 1",
        "jenis {kind} memerlukan edisi aturan 2: kebijakan log ini edisi 1",
    ),
    # --- rules edition 3: personal data held as commitments (docs/contract/personal-data.md) ---
    "kind_needs_edition_3": Message(
        codes.RULES_EDITION,
        "kind {kind} needs rules edition 3: this log's policy is an earlier edition",
        "jenis {kind} memerlukan edisi aturan 3: kebijakan log ini edisi sebelumnya",
    ),
    "committed_person_needs_edition_3": Message(
        codes.RULES_EDITION,
        "a {kind} naming a person by pseudonym and commitment needs rules edition 3",
        "{kind} yang menyebut orang dengan pseudonim dan komitmen memerlukan edisi aturan 3",
    ),
    "personal_data_in_clear": Message(
        codes.PERSONAL_DATA_IN_CLEAR,
        "{kind}: body.{member} names a person in clear; rules edition 3 takes a pseudonym and a commitment",
        "{kind}: body.{member} menyebut orang secara terbuka; edisi aturan 3 memerlukan pseudonim dan komitmen",
    ),
    "person_commitment_mismatch": Message(
        codes.PERSON_COMMITMENT_MISMATCH,
        "person {person} was named with another commitment at leaf {index}",
        "orang {person} disebut dengan komitmen lain pada daun {index}",
    ),
    "person_erased": Message(
        codes.PERSON_ERASED,
        "the personal data of {person} was erased at leaf {index}",
        "data pribadi {person} telah dihapus pada daun {index}",
    ),
    "person_not_in_log": Message(
        codes.PERSON_NOT_IN_LOG,
        "no entry of the log names person {person}",
        "tidak ada entri log yang menyebut orang {person}",
    ),
    # a rectification (personal_data.rectified, UU 27/2022 art. 6) shares the codes, with its own words
    "rectification_person_not_in_log": Message(
        codes.PERSON_NOT_IN_LOG,
        "no entry of the log names person {person}: there is no data of theirs to rectify",
        "tidak ada entri log yang menyebut orang {person}: tidak ada datanya yang dapat diperbaiki",
    ),
    "rectification_person_erased": Message(
        codes.PERSON_ERASED,
        "the personal data of {person} was erased at leaf {index}: it can no longer be rectified",
        "data pribadi {person} telah dihapus pada daun {index}: data itu tidak dapat diperbaiki lagi",
    ),
    "not_genesis": Message(
        codes.NOT_GENESIS,
        "the first entry of a log must be ledger.genesis, not {kind}",
        "entri pertama sebuah log harus ledger.genesis, bukan {kind}",
    ),
    "wrong_log": Message(
        codes.WRONG_LOG,
        "entry is for log {log!r}, this is {origin!r}",
        "entri ini untuk log {log!r}, log ini {origin!r}",
    ),
    "genesis_exists": Message(
        codes.GENESIS_EXISTS, "this log already has its genesis entry", "log ini sudah memiliki entri genesis"
    ),
    "genesis_not_self_signed": Message(
        codes.UNKNOWN_SIGNER,
        "the genesis entry must be signed by its own root_key",
        "entri genesis harus ditandatangani dengan root_key-nya sendiri",
    ),
    "unknown_signer": Message(
        codes.UNKNOWN_SIGNER,
        "signer {signer:.12}… holds no key registered in this log",
        "penanda tangan {signer:.12}… tidak memegang kunci yang terdaftar di log ini",
    ),
    "revoked_signer": Message(
        codes.REVOKED_SIGNER,
        "signer {signer:.12}… was revoked at leaf {index}",
        "kunci penanda tangan {signer:.12}… dicabut pada daun {index}",
    ),
    "time_in_future": Message(
        codes.TIME_IN_FUTURE,
        "entry.at {at} is more than 5 minutes after the log's clock {log_time}",
        "entry.at {at} lebih dari 5 menit setelah jam log {log_time}",
    ),
    "time_before_previous": Message(
        codes.TIME_BEFORE_PREVIOUS,
        "entry.at {at} is before the stream's previous entry at {previous}",
        "entry.at {at} lebih awal dari entri sebelumnya di aliran ini, {previous}",
    ),
    "role_not_allowed": Message(
        codes.ROLE_NOT_ALLOWED,
        "signer {signer:.12}… has role {role}, {kind} needs {needed:or}",
        "penanda tangan {signer:.12}… berperan {role}, {kind} memerlukan {needed:atau}",
    ),
    "out_of_scope": Message(
        codes.OUT_OF_SCOPE,
        "signer {signer:.12}… may sign for {scope}, not unit {unit}",
        "penanda tangan {signer:.12}… boleh menandatangani untuk {scope}, bukan unit {unit}",
    ),
    "administrator_out_of_scope": Message(
        codes.OUT_OF_SCOPE,
        "administrator {signer:.12}… may administer {scope}, not {outside}",
        "administrator {signer:.12}… boleh mengelola {scope}, bukan {outside}",
    ),
    "transition_not_allowed": Message(
        codes.TRANSITION_NOT_ALLOWED,
        "a unit cannot go from {source} to {target}",
        "unit tidak dapat berpindah dari {source} ke {target}",
    ),
    "unknown_unit": Message(
        codes.UNKNOWN_UNIT, "unit {unit} is not registered in this log", "unit {unit} tidak terdaftar di log ini"
    ),
    # --- keys ---
    "key_mismatch": Message(
        codes.KEY_MISMATCH,
        "the key stream must be key/<fingerprint of body.public_key>",
        "aliran kunci harus key/<sidik jari body.public_key>",
    ),
    "key_exists": Message(codes.KEY_EXISTS, "key {key} is already registered", "kunci {key} sudah terdaftar"),
    "key_stream_not_opened": Message(
        codes.KEY_EXISTS,
        "key.registered must open its key stream (seq 0)",
        "key.registered harus membuka aliran kuncinya (seq 0)",
    ),
    "unknown_key": Message(codes.UNKNOWN_KEY, "key {key} is not registered", "kunci {key} tidak terdaftar"),
    "key_already_revoked": Message(codes.REVOKED_SIGNER, "key {key} is already revoked", "kunci {key} sudah dicabut"),
    "root_key": Message(codes.ROOT_KEY, "the root key cannot be revoked", "kunci akar tidak dapat dicabut"),
    # --- units and stages ---
    "unit_exists": Message(codes.UNIT_EXISTS, "unit {unit} is already registered", "unit {unit} sudah terdaftar"),
    "stage_mismatch": Message(
        codes.TRANSITION_NOT_ALLOWED,
        "unit {unit} is {stage}, not {source}",
        "unit {unit} berada pada tahap {stage}, bukan {source}",
    ),
    "unknown_basis": Message(
        codes.UNKNOWN_BASIS,
        "body.basis is not the leaf hash of an entry in this log",
        "body.basis bukan hash daun dari entri di log ini",
    ),
    "track_mismatch": Message(
        codes.TRACK_MISMATCH,
        "unit {unit} is on track {track}, not {claimed}",
        "unit {unit} berada di jalur {track}, bukan {claimed}",
    ),
    "designated_track": Message(
        codes.TRACK_MISMATCH,
        "from designated, a unit holding WBK may only declare for the wbbm track",
        "dari tahap penetapan, unit berpredikat WBK hanya dapat mencanangkan jalur wbbm",
    ),
    "revoked_track": Message(
        codes.TRACK_MISMATCH,
        "a revoked unit starts again on the wbk track",
        "unit yang predikatnya dicabut memulai lagi di jalur wbk",
    ),
    "wbbm_needs_wbk": Message(
        codes.TRACK_MISMATCH,
        "the wbbm track needs predicate wbk, unit {unit} has {predicate}",
        "jalur wbbm memerlukan predikat wbk, unit {unit} berpredikat {predicate}",
    ),
    "barred": Message(
        codes.BARRED, "unit {unit} is barred until {until}", "unit {unit} tidak dapat mencanangkan hingga {until}"
    ),
    "pact_coverage_too_low": Message(
        codes.PACT_COVERAGE_TOO_LOW,
        "pact coverage of {unit} is {valid}/{headcount}, below the policy's {minimum}",
        "cakupan pakta integritas {unit} {valid}/{headcount}, di bawah batas kebijakan {minimum}",
    ),
    "no_internal_assessment": Message(
        codes.NO_PASSED_ASSESSMENT,
        "unit {unit} has no internal assessment of track {track} in this building period",
        "unit {unit} belum memiliki penilaian internal jalur {track} pada masa pembangunan ini",
    ),
    "internal_assessment_failed": Message(
        codes.NO_PASSED_ASSESSMENT,
        "the latest internal assessment of {unit} (leaf {index}) failed",
        "penilaian internal terakhir {unit} (daun {index}) tidak lulus",
    ),
    "no_field_review": Message(
        codes.NO_PASSED_ASSESSMENT,
        "unit {unit} has no passed national field review",
        "unit {unit} belum lulus evaluasi lapangan nasional",
    ),
    "open_remediation": Message(
        codes.OPEN_REMEDIATION,
        "unit {unit} has open remediation: {items}",
        "unit {unit} masih memiliki perbaikan terbuka: {items}",
    ),
    "thresholds_not_met": Message(
        codes.THRESHOLDS_NOT_MET, "thresholds not met: {checks:;}", "ambang batas tidak terpenuhi: {checks:;}"
    ),
    "no_failed_review": Message(
        codes.NO_FAILED_REVIEW,
        "unit {unit} has no failed national review in this nomination",
        "unit {unit} tidak memiliki evaluasi nasional yang gagal dalam pengusulan ini",
    ),
    "reason_required": Message(
        codes.REASON_REQUIRED,
        "a revocation must give its reason in body.note",
        "pencabutan harus menyebut alasannya di body.note",
    ),
    # --- assessments and remediation ---
    "level_step_mismatch": Message(
        codes.ASSESSMENT_NOT_ALLOWED,
        "a {level} assessment cannot have step {step}",
        "penilaian {level} tidak dapat memiliki langkah {step}",
    ),
    "assessment_stage": Message(
        codes.ASSESSMENT_NOT_ALLOWED,
        "unit {unit} is {stage}: a {level} assessment needs {allowed:or}",
        "unit {unit} berada pada tahap {stage}: penilaian {level} memerlukan {allowed:atau}",
    ),
    "score_out_of_range": Message(
        codes.SCORE_OUT_OF_RANGE,
        "score {area} {score} is above its weight {weight}",
        "nilai {area} {score} melebihi bobotnya {weight}",
    ),
    "duplicate_remediation": Message(
        codes.DUPLICATE_REMEDIATION,
        "remediation item {item} already exists for unit {unit}",
        "butir perbaikan {item} sudah ada untuk unit {unit}",
    ),
    "passed_below_thresholds": Message(
        codes.THRESHOLDS_NOT_MET,
        "assessment marked passed misses thresholds: {checks:;}",
        "penilaian yang dinyatakan lulus tidak memenuhi ambang batas: {checks:;}",
    ),
    "screening_over": Message(
        codes.ASSESSMENT_NOT_ALLOWED,
        "the screening step is over for this nomination (one appeal allowed)",
        "tahap seleksi administrasi untuk pengusulan ini sudah selesai (satu sanggahan diperbolehkan)",
    ),
    "step_needs_previous": Message(
        codes.ASSESSMENT_NOT_ALLOWED,
        "national {step} needs a passed {before} step first",
        "langkah nasional {step} memerlukan langkah {before} yang lulus lebih dahulu",
    ),
    "step_recorded": Message(
        codes.ASSESSMENT_NOT_ALLOWED,
        "national {step} is already recorded for this nomination",
        "langkah nasional {step} sudah tercatat untuk pengusulan ini",
    ),
    "unknown_remediation": Message(
        codes.UNKNOWN_REMEDIATION,
        "unit {unit} has no remediation item {item}",
        "unit {unit} tidak memiliki butir perbaikan {item}",
    ),
    "remediation_closed": Message(
        codes.REMEDIATION_CLOSED,
        "remediation item {item} was completed at leaf {index}",
        "butir perbaikan {item} sudah diselesaikan pada daun {index}",
    ),
    # --- integrity pacts ---
    "pact_stream_mismatch": Message(
        codes.EMPLOYEE_MISMATCH,
        "pact stream is for employee {stream}, body names {number}",
        "aliran pakta untuk pegawai {stream}, isi entri menyebut {number}",
    ),
    "employee_name_mismatch": Message(
        codes.EMPLOYEE_MISMATCH,
        "employee number {number} belongs to {name}, not {claimed}",
        "nomor pegawai {number} milik {name}, bukan {claimed}",
    ),
    "pact_not_own": Message(
        codes.EMPLOYEE_MISMATCH,
        "key of {holder} cannot sign the pact of {name}",
        "kunci milik {holder} tidak dapat menandatangani pakta {name}",
    ),
    "pact_other_employee": Message(
        codes.EMPLOYEE_MISMATCH,
        "key of {holder} signs the pacts of employee {signs}, not {number}",
        "kunci milik {holder} menandatangani pakta pegawai {signs}, bukan {number}",
    ),
    "pact_not_valid": Message(
        codes.PACT_NOT_VALID,
        "employee {employee} has no valid pact in unit {unit}",
        "pegawai {employee} tidak memiliki pakta yang berlaku di unit {unit}",
    ),
    # --- witnesses ---
    "unknown_declaration": Message(
        codes.UNKNOWN_DECLARATION,
        "body.declaration is not a declaration of unit {unit}",
        "body.declaration bukan pencanangan unit {unit}",
    ),
    "already_witnessed": Message(
        codes.ALREADY_WITNESSED,
        "this witness has already attested this declaration",
        "saksi ini sudah membuktikan pencanangan ini",
    ),
    # --- rules edition 2: score models (docs/design/rules-edition-2.md) ---
    "no_model_for_year": Message(
        codes.NO_MODEL_FOR_YEAR,
        "no score model of the policy covers year {year}",
        "tidak ada model penilaian dalam kebijakan yang mencakup tahun {year}",
    ),
    "score_areas_model": Message(
        codes.SCORE_AREAS_MODEL,
        "scores must name exactly the areas of model {model}: {areas}",
        "nilai harus menyebut tepat area model {model}: {areas}",
    ),
    "cycle_model_mismatch": Message(
        codes.MODEL_MISMATCH,
        "cycle {year} must use model {needed}, the policy's for that year, not {model}",
        "siklus {year} harus memakai model {needed}, model kebijakan untuk tahun itu, bukan {model}",
    ),
    "assessment_model_mismatch": Message(
        codes.MODEL_MISMATCH,
        "an assessment of year {year} is under model {model}, cycle {cycle} uses {needed}",
        "penilaian tahun {year} memakai model {model}, siklus {cycle} memakai {needed}",
    ),
    # --- rules edition 2: national keys ---
    "endorsement_required": Message(
        codes.ENDORSEMENT_REQUIRED,
        "a {role} key needs the national root's endorsement",
        "kunci {role} memerlukan pengesahan dari kunci akar nasional",
    ),
    "endorsement_invalid": Message(
        codes.ENDORSEMENT_INVALID,
        "the endorsement of this {role} key is not the national root's signature over it",
        "pengesahan kunci {role} ini bukan tanda tangan kunci akar nasional atasnya",
    ),
    "endorsement_unexpected": Message(
        codes.ENDORSEMENT_UNEXPECTED,
        "a {role} key is not national and carries no endorsement",
        "kunci {role} bukan kunci nasional dan tidak membawa pengesahan",
    ),
    "signer_not_endorsed": Message(
        codes.ENDORSEMENT_REQUIRED,
        "signer {signer:.12}… holds a {role} key the national root did not endorse",
        "penanda tangan {signer:.12}… memegang kunci {role} yang tidak disahkan kunci akar nasional",
    ),
    "no_national_root": Message(
        codes.NO_NATIONAL_ROOT,
        "the policy names no national root: a {role} key cannot be registered",
        "kebijakan tidak menyebut kunci akar nasional: kunci {role} tidak dapat didaftarkan",
    ),
    "national_root_changed": Message(
        codes.NATIONAL_ROOT_CHANGED,
        "policy.set may not change or remove the national root",
        "policy.set tidak boleh mengubah atau menghapus kunci akar nasional",
    ),
    "rules_edition_lowered": Message(
        codes.RULES_EDITION_LOWERED,
        "policy.set may not lower the rules edition from {current} to {rules}",
        "policy.set tidak boleh menurunkan edisi aturan dari {current} ke {rules}",
    ),
    # --- rules edition 2: cycles and proposals ---
    "cycle_exists": Message(codes.CYCLE_EXISTS, "cycle {year} is already open", "siklus {year} sudah dibuka"),
    "cycle_year_mismatch": Message(
        codes.INVALID_CYCLE,
        "body.year {year} is not the stream's year {stream_year}",
        "body.year {year} bukan tahun aliran {stream_year}",
    ),
    "cycle_dates": Message(
        codes.INVALID_CYCLE,
        "cycle closes on {closes_on}, before its proposal deadline {deadline}",
        "siklus ditutup pada {closes_on}, sebelum batas usulan {deadline}",
    ),
    "unknown_cycle": Message(codes.UNKNOWN_CYCLE, "cycle {cycle} has not been opened", "siklus {cycle} belum dibuka"),
    "cycle_required": Message(
        codes.CYCLE_REQUIRED,
        "a proposal must name its cycle in body.cycle",
        "usulan harus menyebut siklusnya di body.cycle",
    ),
    "past_deadline": Message(
        codes.PAST_DEADLINE,
        "cycle {cycle} took proposals until {deadline}, this one is of {date}",
        "siklus {cycle} menerima usulan hingga {deadline}, usulan ini bertanggal {date}",
    ),
    "quota_reached": Message(
        codes.QUOTA_REACHED,
        "agency {agency!r} has made its {quota} proposal(s) in cycle {cycle}",
        "instansi {agency!r} sudah mengajukan {quota} usulan dalam siklus {cycle}",
    ),
    "cycle_closed": Message(
        codes.CYCLE_CLOSED,
        "the proposal of {unit} in cycle {cycle} lapsed when the cycle closed on {closes_on}",
        "usulan {unit} dalam siklus {cycle} gugur ketika siklus ditutup pada {closes_on}",
    ),
    "proposal_not_lapsed": Message(
        codes.PROPOSAL_NOT_LAPSED,
        "the proposal of {unit} in cycle {cycle} has not lapsed",
        "usulan {unit} dalam siklus {cycle} belum gugur",
    ),
    "barred_proposal": Message(
        codes.BARRED,
        "unit {unit} may not be proposed until {until}",
        "unit {unit} tidak dapat diusulkan hingga {until}",
    ),
    # --- rules edition 2: the national evaluation ---
    "not_proposed": Message(
        codes.NOT_PROPOSED,
        "unit {unit} has no proposal in cycle {cycle}",
        "unit {unit} tidak memiliki usulan dalam siklus {cycle}",
    ),
    "proposal_without_cycle": Message(
        codes.NOT_PROPOSED,
        "the nomination of {unit} predates rules edition 2 and names no cycle: propose it again in a cycle",
        "pengusulan {unit} dibuat sebelum edisi aturan 2 dan tidak menyebut siklus: usulkan lagi dalam sebuah siklus",
    ),
    "screening_recorded": Message(
        codes.SCREENING_RECORDED,
        "the screening of {unit} in cycle {cycle} is already recorded",
        "seleksi administrasi {unit} dalam siklus {cycle} sudah tercatat",
    ),
    "screening_is_document_check": Message(
        codes.SCREENING_IS_DOCUMENT_CHECK,
        "screening is a document check: record it with screening.recorded",
        "seleksi administrasi adalah pemeriksaan dokumen: catat dengan screening.recorded",
    ),
    "notes_required": Message(
        codes.NOTES_REQUIRED,
        "a screening {outcome} must give at least one note",
        "seleksi administrasi {outcome} harus memuat paling sedikit satu catatan",
    ),
    "nothing_to_appeal": Message(
        codes.NOTHING_TO_APPEAL,
        "unit {unit} has no failed screening to appeal",
        "unit {unit} tidak memiliki seleksi administrasi gagal untuk disanggah",
    ),
    "appeal_filed": Message(
        codes.APPEAL_FILED,
        "unit {unit} has already appealed its screening",
        "unit {unit} sudah mengajukan sanggahan atas seleksinya",
    ),
    "appeal_window_closed": Message(
        codes.APPEAL_WINDOW_CLOSED,
        "the appeal window of {unit} closed at {until}",
        "masa sanggah {unit} berakhir pada {until}",
    ),
    "no_appeal": Message(
        codes.NO_APPEAL,
        "unit {unit} has no filed, undecided appeal",
        "unit {unit} tidak memiliki sanggahan yang diajukan dan belum diputus",
    ),
    # --- rules edition 2: decrees, revocation, monitoring ---
    "decree_required": Message(
        codes.DECREE_REQUIRED,
        "a designation must carry its decree in body.sk",
        "penetapan harus memuat surat keputusannya di body.sk",
    ),
    "decree_mismatch": Message(
        codes.DECREE_MISMATCH,
        "decree {number} was logged with date {date} and another document",
        "SK {number} sudah tercatat dengan tanggal {date} dan dokumen lain",
    ),
    "predicate_not_held": Message(
        codes.PREDICATE_NOT_HELD,
        "unit {unit} holds {held}, not {predicate}",
        "unit {unit} berpredikat {held}, bukan {predicate}",
    ),
    "use_predicate_revoked": Message(
        codes.USE_PREDICATE_REVOKED,
        "a predicate is revoked with predicate.revoked, not by a stage change",
        "predikat dicabut dengan predicate.revoked, bukan dengan perubahan tahap",
    ),
    "no_predicate": Message(
        codes.NO_PREDICATE,
        "unit {unit} holds no predicate to monitor",
        "unit {unit} tidak memiliki predikat untuk dipantau",
    ),
    # --- rules edition 2: offices, pacts and cases (docs/design/rules-edition-2.md) ---
    "office_required": Message(
        codes.OFFICE_REQUIRED,
        "a {role} key must carry its office (body.office of key.registered)",
        "kunci {role} harus memuat instansinya (body.office pada key.registered)",
    ),
    "signer_office_required": Message(
        codes.OFFICE_REQUIRED,
        "signer {signer:.12}… was registered without an office: {kind} takes its office from the key",
        "penanda tangan {signer:.12}… terdaftar tanpa instansi: {kind} mengambil instansinya dari kunci",
    ),
    "office_not_signer": Message(
        codes.OFFICE_NOT_SIGNER,
        "body.office {office} is not the office of the signing key, {key_office}",
        "body.office {office} bukan instansi kunci penanda tangan, {key_office}",
    ),
    "occasion_required": Message(
        codes.OCCASION_REQUIRED,
        "a pact must say its occasion (body.occasion: {occasions:or})",
        "pakta harus menyebut kesempatannya (body.occasion: {occasions:atau})",
    ),
    "case_exists": Message(
        codes.CASE_EXISTS,
        "case {case} of unit {unit} is already opened",
        "perkara {case} pada unit {unit} sudah dibuka",
    ),
    "unknown_case": Message(
        codes.UNKNOWN_CASE,
        "unit {unit} has no case {case}: open it with case.opened",
        "unit {unit} tidak memiliki perkara {case}: buka dengan case.opened",
    ),
    "case_stage_backwards": Message(
        codes.CASE_STAGE_BACKWARDS,
        "case {case} is at {stage}: it can only advance to a later stage than that, not {claimed}",
        "perkara {case} berada pada tahap {stage}: hanya dapat maju ke tahap sesudahnya, bukan {claimed}",
    ),
    "case_closed": Message(
        codes.CASE_CLOSED,
        "case {case} was closed at leaf {index}",
        "perkara {case} sudah ditutup pada daun {index}",
    ),
    # --- a log key's rotation (log_key.added, log_key.retired) ---
    "not_root_signer": Message(
        codes.NOT_ROOT_SIGNER,
        "{kind} must be signed by the root key {root}, not {signer}",
        "{kind} harus ditandatangani oleh kunci akar {root}, bukan {signer}",
    ),
    "log_key_wrong_origin": Message(
        codes.LOG_KEY_WRONG_ORIGIN,
        "log key {verifier_key} is named {name}, not this log's origin {origin}",
        "kunci log {verifier_key} bernama {name}, bukan origin log ini {origin}",
    ),
    # Two reasons, one code: the word "added"/"retired" is part of each language's sentence.
    "log_key_was_added": Message(
        codes.LOG_KEY_KNOWN,
        "log key {verifier_key} was already added at leaf {index}",
        "kunci log {verifier_key} sudah ditambahkan pada daun {index}",
    ),
    "log_key_was_retired": Message(
        codes.LOG_KEY_KNOWN,
        "log key {verifier_key} was already retired at leaf {index}",
        "kunci log {verifier_key} sudah dipensiunkan pada daun {index}",
    ),
    "root_key_known": Message(
        codes.ROOT_KEY_KNOWN,
        "key {key} is already known to the log: the root passes to a new key",
        "kunci {key} sudah dikenal log: akar berpindah ke kunci baru",
    ),
    "root_possession_invalid": Message(
        codes.ROOT_POSSESSION_INVALID,
        "possession is not new root key {key}'s signature of this handover",
        "possession bukan tanda tangan kunci akar baru {key} atas serah terima ini",
    ),
    "log_key_last": Message(
        codes.LOG_KEY_LAST,
        "retiring log key {verifier_key} would leave the log no announced key: add its successor first",
        "mempensiunkan kunci log {verifier_key} akan meninggalkan log tanpa kunci yang diumumkan: "
        "tambahkan penggantinya dahulu",
    ),
}

MESSAGES: dict[str, Message] = {**CHECKS, **REFUSALS}


class _Renderer(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, list | tuple):
            separator = ", " if not format_spec else "; " if format_spec == ";" else f" {format_spec} "
            return separator.join(self._item(item) for item in value)
        return format(value, format_spec)

    def _item(self, item: Any) -> str:
        if isinstance(item, Mapping) and set(item) == {"code", "params"}:
            return render(str(item["code"]), item["params"], self.lang)
        return str(item)


def render(reason: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """The text of catalogue entry `reason` with `params`, in `lang` ("en" or "id")."""
    return _Renderer(lang).vformat(MESSAGES[reason].template(lang), (), params)


def refused(reason: str, /, *, evidence: Mapping[str, Any] | None = None, **params: Any) -> Refused:
    """The `Refused` error for `reason`: its wire code and English text from the catalogue."""
    message = REFUSALS[reason]
    return Refused(render(reason, params), code=message.code, reason=reason, params=params, **(evidence or {}))
