"""Every error code the ledger uses, as a named constant with its family and meaning.

The table is the one definition: docs/contract/errors.md renders it, and tests/test_contract_docs.py
holds the two equal and checks that no code outside this table is raised. A code names the fact that
failed; its family (ledger.errors) decides the HTTP status and the CLI's exit status. A few codes
name the same fact in two families (`index_out_of_range` is a bad request when the index is not
below the size named in the same request, and not found when it is beyond the log): they have a
row for each. The API's own codes (authorisation, media type, routes) are tabled in api.errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import (
    Conflict,
    LedgerError,
    MalformedInput,
    NotFound,
    Refused,
    TooLarge,
    Unavailable,
    UsageError,
    VerificationFailed,
)


@dataclass(frozen=True)
class ErrorCode:
    """One row of the table: a code, the family it is raised in, and what it means."""

    code: str
    family: str
    meaning: str


class CodeTable:
    """The rows of a layer's codes, defined one by one next to their constants."""

    def __init__(self) -> None:
        self.rows: list[ErrorCode] = []

    def define(self, code: str, family: type[LedgerError], meaning: str) -> str:
        """Add the row (code, family, meaning) and return the code, for a named constant."""
        self.rows.append(ErrorCode(code, family.family, meaning))
        return code


LEDGER_CODES = CodeTable()
_code = LEDGER_CODES.define

# --- internal (a fault of the ledger itself, never of the input) -----------------------------------
LEDGER_ERROR = _code(LedgerError.code, LedgerError, "an internal fault with no more specific code")
VIEW_OUT_OF_ORDER = _code("view_out_of_order", LedgerError, "the views were asked to fold a leaf out of log order")

# --- malformed input ---------------------------------------------------------------------------------
MALFORMED_INPUT = _code(MalformedInput.code, MalformedInput, "input that does not parse as its format says")
MALFORMED_JSON = _code("malformed_json", MalformedInput, "not UTF-8 JSON, or an object with a member twice")
MALFORMED_ENTRY = _code("malformed_entry", MalformedInput, "a value that cannot be canonicalised or nests too deep")
FLOAT_NOT_ALLOWED = _code("float_not_allowed", MalformedInput, "a number that is not an integer")
INVALID_MEMBER = _code("invalid_member", MalformedInput, "a member whose value its format does not allow")
WRONG_TYPE = _code("wrong_type", MalformedInput, "a member of the wrong JSON type")
NOT_NFC = _code("not_nfc", MalformedInput, "a string that is not NFC-normalised")
INVALID_ID = _code("invalid_id", MalformedInput, "an id or fingerprint that does not match its pattern")
INVALID_TIME = _code("invalid_time", MalformedInput, "a time or date not in its RFC 3339 form")
MISSING_MEMBER = _code("missing_member", MalformedInput, "an object without a required member")
UNKNOWN_MEMBER = _code("unknown_member", MalformedInput, "an object with a member its format does not have")
UNSUPPORTED_VERSION = _code("unsupported_version", MalformedInput, "an entry whose v is not 1")
UNKNOWN_KIND = _code("unknown_kind", MalformedInput, "an entry kind that does not exist")
INVALID_STREAM = _code("invalid_stream", MalformedInput, "a stream id that is not one, or not one for the kind")
NOT_CANONICAL = _code("not_canonical", MalformedInput, "a stored leaf that is not in RFC 8785 canonical form")
INVALID_BASE64 = _code("invalid_base64", MalformedInput, "not canonical padded base64, or the wrong length")
INVALID_KEY = _code("invalid_key", MalformedInput, "a public key that is not 32 bytes of Ed25519")
KEY_FILE = _code("key_file", MalformedInput, "a key file that cannot be read (path, passphrase, not Ed25519)")
INVALID_CHECKPOINT = _code("invalid_checkpoint", MalformedInput, "a checkpoint that is not C2SP tlog-checkpoint text")
KEY_ID_MISMATCH = _code("key_id_mismatch", MalformedInput, "a verifier key whose key ID is not its name's and key's")
INVALID_VERIFIER_KEY = _code("invalid_verifier_key", MalformedInput, "a verifier key not <name>+<hex id>+<base64>")
INVALID_NOTE = _code("invalid_note", MalformedInput, "text that is not a C2SP signed note")
INVALID_NOTE_SIGNATURE = _code("invalid_note_signature", MalformedInput, "a note signature of the wrong shape")
INVALID_KEY_NAME = _code("invalid_key_name", MalformedInput, "a note key name that is empty or has + or spaces")
INVALID_NOTE_TEXT = _code("invalid_note_text", MalformedInput, "note text without a final newline, or with controls")
INVALID_UTF8 = _code("invalid_utf8", MalformedInput, "bytes that are not UTF-8 where text is required")
INVALID_PROOF_BUNDLE = _code("invalid_proof_bundle", MalformedInput, "a record bundle that is not C2SP tlog-proof")
INVALID_TILE_PATH = _code("invalid_tile_path", MalformedInput, "a path that is not a canonical C2SP tile path")
INVALID_TILE = _code("invalid_tile", MalformedInput, "tile or entry bundle bytes of the wrong length or shape")
INVALID_LEAF_HASH = _code("invalid_leaf_hash", MalformedInput, "a leaf hash that is not 32 bytes")
INDEX_OUT_OF_RANGE = _code(
    "index_out_of_range", MalformedInput, "a leaf index not below the tree size named in the same request"
)
SIZE_OUT_OF_RANGE = _code("size_out_of_range", MalformedInput, "a negative size, or a first size above the second")
SUBTREE_OUT_OF_RANGE = _code("subtree_out_of_range", MalformedInput, "a subtree range that is not a valid subtree")
INVALID_TRUST_ANCHOR = _code("invalid_trust_anchor", MalformedInput, "a trust anchor file that is not trust.json")
INVALID_CONFIG = _code("invalid_config", MalformedInput, "a configuration or token file that cannot be read")
MISSING_DEPENDENCY = _code("missing_dependency", MalformedInput, "PostgreSQL storage without psycopg installed")
NOT_EMPTY = _code("not_empty", MalformedInput, "init on a directory or database that already holds something")
DUPLICATE_IN_BATCH = _code("duplicate_in_batch", MalformedInput, "a batch that holds an entry twice or one logged")
NO_CHECKPOINT = _code("no_checkpoint", MalformedInput, "a stored log whose last event carries no checkpoint")
HTTP_ERROR = _code("http_error", MalformedInput, "a server read by the verifier answered an unexpected HTTP status")
UNAUTHORIZED_BY_SERVER = _code(
    "unauthorized", MalformedInput, "a server read by the verifier needs a read token (--token)"
)
UNREACHABLE = _code("unreachable", MalformedInput, "a server read by the verifier cannot be reached")
INVALID_PARAMETER = _code("invalid_parameter", MalformedInput, "a query filter, sort, page or time not allowed")
AMBIGUOUS_SIGNER = _code(
    "ambiguous_signer", MalformedInput, "a signer named by a fingerprint prefix or name that several keys match"
)
INVALID_ROLE = _code("invalid_role", MalformedInput, "a read token role other than auditor, overseer, operator")
IO_ERROR = _code("io_error", MalformedInput, "CLI only: a file could not be read or written (the OS's reason)")
KEY_FILE_PERMISSIONS = _code(
    "key_file_permissions", MalformedInput, "a key file its group or others may read (--allow-open-key-file)"
)
# witnesses (C2SP tlog-witness, tlog-cosignature; Sigsum policies) and the monitor
INVALID_COSIGNER_KEY = _code(
    "invalid_cosigner_key", MalformedInput, "a witness verifier key not <name>+<hex id>+<base64(0x04 ‖ key)>"
)
INVALID_COSIGNATURE = _code(
    "invalid_cosignature", MalformedInput, "a cosignature timestamp or signature of the wrong size or range"
)
INVALID_WITNESS_POLICY = _code(
    "invalid_witness_policy", MalformedInput, "a witness policy that is not a valid Sigsum policy file"
)
INVALID_QUORUM = _code("invalid_quorum", MalformedInput, "a ledger's witness quorum above its number of witnesses")
INVALID_WITNESS_NAME = _code(
    "invalid_witness_name", MalformedInput, "a witness name that is not a signed-note key name"
)
WITNESS_EXISTS = _code("witness_exists", MalformedInput, "witness init into a directory that is not empty")
WITNESS_LOG_EXISTS = _code("witness_log_exists", MalformedInput, "a log the witness already witnesses")
WITNESS_LOG_UNKNOWN = _code("witness_log_unknown", NotFound, "a new key for a log the witness does not witness")
NOT_A_WITNESS = _code("not_a_witness", MalformedInput, "a directory with no readable witness.json")
INVALID_MONITOR_STATE = _code("invalid_monitor_state", MalformedInput, "a monitor state file that is not one")

# --- too large ----------------------------------------------------------------------------------------
ENTRY_TOO_LARGE = _code(TooLarge.code, TooLarge, "a leaf over 65,535 bytes (or a submission over 1 MiB)")
REQUEST_TOO_LARGE = _code("request_too_large", TooLarge, "a request body over the server's limit")
ANSWER_TOO_LARGE = _code("answer_too_large", TooLarge, "a file or server answer over its format's maximum size")

# --- verification failed -----------------------------------------------------------------------------
VERIFICATION_FAILED = _code(VerificationFailed.code, VerificationFailed, "something did not verify")
BAD_SIGNATURE = _code("bad_signature", VerificationFailed, "an Ed25519 signature that does not verify")
ED25519_NOT_STRICT = _code(
    "ed25519_not_strict",
    VerificationFailed,
    "an Ed25519 key or signature outside the strict subset every verifier agrees on "
    "(non-canonical point, S ≥ L, small-order key or R, mixed-order key)",
)
CHECKPOINT_ORIGIN_MISMATCH = _code(
    "checkpoint_origin_mismatch", VerificationFailed, "a checkpoint whose origin is not the verifier key's name"
)
NOTE_SIGNATURE_INVALID = _code("note_signature_invalid", VerificationFailed, "a note signature that does not verify")
NOTE_UNKNOWN_KEY = _code("note_unknown_key", VerificationFailed, "a note with no signature by the verifier key")
INCLUSION_PROOF_INVALID = _code("inclusion_proof_invalid", VerificationFailed, "an inclusion proof that fails")
CONSISTENCY_PROOF_INVALID = _code("consistency_proof_invalid", VerificationFailed, "a consistency proof that fails")
CONSISTENCY_FAILED = _code(
    "consistency_failed", VerificationFailed, "the log is not consistent with the trusted checkpoint"
)
WRONG_LOG_CHECKPOINT = _code("wrong_log", VerificationFailed, "verify report: the checkpoint is of another origin")
INVALID_TRUSTED_STATE = _code("invalid_trusted_state", VerificationFailed, "the trusted checkpoint does not verify")
MISSING_LEAVES = _code("missing_leaves", VerificationFailed, "the log holds fewer leaves than its checkpoint says")
ROOT_MISMATCH = _code("root_mismatch", VerificationFailed, "the root of all leaves differs from the checkpoint's")
TILE_MISMATCH = _code("tile_mismatch", VerificationFailed, "a served tile differs from the hashes of its leaves")
NO_GENESIS = _code("no_genesis", VerificationFailed, "a leaf after a log with no valid genesis entry")
UNTRUSTED_ROOT = _code("untrusted_root", VerificationFailed, "the genesis entry is not signed by the trusted root")
STORED_ROOT_MISMATCH = _code(
    "stored_root_mismatch", VerificationFailed, "verify DIR: a stored root differs from the root of the leaves"
)
STORED_CHECKPOINT_MISMATCH = _code(
    "stored_checkpoint_mismatch",
    VerificationFailed,
    "verify DIR: a stored checkpoint that fails or names another tree",
)
REPAIR_REFUSED = _code(
    "repair_refused", VerificationFailed, "repair of leaves that do not verify against the latest signed checkpoint"
)
COSIGNATURE_MISSING = _code(
    "cosignature_missing", VerificationFailed, "a checkpoint with no cosignature by the witness asked about"
)
COSIGNATURE_INVALID = _code(
    "cosignature_invalid", VerificationFailed, "a witness cosignature (tlog-cosignature v1) that does not verify"
)
WITNESS_QUORUM_NOT_MET = _code(
    "witness_quorum_not_met",
    VerificationFailed,
    "a checkpoint whose valid cosignatures do not meet the witness policy's quorum",
)
WITNESS_POLICY_LOG_UNKNOWN = _code(
    "witness_policy_log_unknown", VerificationFailed, "a witness policy that does not list the log's key"
)
NATIONAL_ROOT_MISMATCH = _code(
    "national_root_mismatch",
    VerificationFailed,
    "a log whose policy names another national root than the one trust.json pins, or none",
)

# --- refused by the rules -----------------------------------------------------------------------------
REFUSED = _code(Refused.code, Refused, "an entry the rules do not allow")
INVALID_POLICY = _code("invalid_policy", Refused, "a policy document the rules do not accept, or an old version")
NOT_GENESIS = _code("not_genesis", Refused, "a first entry that is not ledger.genesis")
WRONG_LOG = _code("wrong_log", Refused, "an entry whose log is another origin")
GENESIS_EXISTS = _code("genesis_exists", Refused, "a second ledger.genesis")
UNKNOWN_SIGNER = _code("unknown_signer", Refused, "a signer that holds no key registered in the log")
REVOKED_SIGNER = _code("revoked_signer", Refused, "a signer (or key to revoke) already revoked")
TIME_IN_FUTURE = _code("time_in_future", Refused, "at more than 5 minutes after the log's clock")
TIME_BEFORE_PREVIOUS = _code("time_before_previous", Refused, "at before the stream's previous entry")
ROLE_NOT_ALLOWED = _code("role_not_allowed", Refused, "a signer whose role may not sign this kind or transition")
OUT_OF_SCOPE = _code("out_of_scope", Refused, "a signer whose scope does not cover the unit or keys")
TRANSITION_NOT_ALLOWED = _code("transition_not_allowed", Refused, "a stage change the stage machine has not")
UNKNOWN_UNIT = _code("unknown_unit", Refused, "an entry about a unit not registered")
KEY_MISMATCH = _code("key_mismatch", Refused, "a key stream that is not key/<fingerprint of public_key>")
KEY_EXISTS = _code("key_exists", Refused, "a key registered twice, or not at seq 0")
UNKNOWN_KEY = _code("unknown_key", Refused, "a revocation of a key not registered")
ROOT_KEY = _code("root_key", Refused, "a revocation of the root key")
UNIT_EXISTS = _code("unit_exists", Refused, "a unit registered twice")
UNKNOWN_BASIS = _code("unknown_basis", Refused, "a basis that is not the leaf hash of an entry in the log")
TRACK_MISMATCH = _code("track_mismatch", Refused, "a track the unit is not on, or may not take")
PACT_COVERAGE_TOO_LOW = _code("pact_coverage_too_low", Refused, "building with pact coverage below the policy's")
NO_FAILED_REVIEW = _code("no_failed_review", Refused, "back to building without a failed national review")
NO_PASSED_ASSESSMENT = _code("no_passed_assessment", Refused, "a stage change without the passed assessment it needs")
REASON_REQUIRED = _code("reason_required", Refused, "a revocation without its reason in note")
BARRED = _code("barred", Refused, "a declaration (edition 1) or proposal (edition 2) while barred after a revocation")
OPEN_REMEDIATION = _code("open_remediation", Refused, "a nomination with remediation items still open")
THRESHOLDS_NOT_MET = _code("thresholds_not_met", Refused, "scores below the policy's thresholds (failing_checks)")
ASSESSMENT_NOT_ALLOWED = _code("assessment_not_allowed", Refused, "an assessment step not allowed at this stage")
SCORE_OUT_OF_RANGE = _code("score_out_of_range", Refused, "a score above its area's weight")
DUPLICATE_REMEDIATION = _code("duplicate_remediation", Refused, "a remediation item id the unit already has")
UNKNOWN_REMEDIATION = _code("unknown_remediation", Refused, "a completion of an item the unit does not have")
REMEDIATION_CLOSED = _code("remediation_closed", Refused, "a completion of an item already completed")
EMPLOYEE_MISMATCH = _code("employee_mismatch", Refused, "a pact whose employee is not the stream's or the key's")
PACT_NOT_VALID = _code("pact_not_valid", Refused, "a release of a pact that is not valid")
UNKNOWN_DECLARATION = _code("unknown_declaration", Refused, "a witness of something not a declaration of the unit")
ALREADY_WITNESSED = _code("already_witnessed", Refused, "a witness attesting the same declaration twice")
RULES_EDITION = _code(
    "rules_edition", Refused, "a kind the log's rules edition does not have (edition 2 kinds in an edition-1 log)"
)
# rules edition 2: offices, pacts and cases (docs/design/rules-edition-2.md)
OFFICE_REQUIRED = _code(
    "office_required", Refused, "a witness or overseer key without its office (edition 2), or an entry signed by one"
)
OFFICE_NOT_SIGNER = _code("office_not_signer", Refused, "a body office that is not the signing key's office")
OCCASION_REQUIRED = _code("occasion_required", Refused, "a pact without its occasion (edition 2)")
CASE_EXISTS = _code("case_exists", Refused, "a case opened twice on its stream")
UNKNOWN_CASE = _code("unknown_case", Refused, "a step of a case that was never opened")
CASE_STAGE_BACKWARDS = _code("case_stage_backwards", Refused, "a case advanced to a stage not later than its own")
CASE_CLOSED = _code("case_closed", Refused, "an entry on a case already closed")
# --- a log key's rotation (docs/operations.md, section 5; edition 2) ---
NOT_ROOT_SIGNER = _code("not_root_signer", Refused, "a log key's announcement or retirement not signed by the root key")
LOG_KEY_WRONG_ORIGIN = _code("log_key_wrong_origin", Refused, "a log key named after another origin than the log's")
LOG_KEY_KNOWN = _code("log_key_known", Refused, "a log key added twice, or retired twice")
LOG_KEY_LAST = _code("log_key_last", Refused, "retiring a log key while no other announced key remains")
ROOT_KEY_KNOWN = _code("root_key_known", Refused, "a root handed to a key the log already knows")
ROOT_POSSESSION_INVALID = _code(
    "root_possession_invalid", Refused, "root.rotated whose possession is not the new root's signature of its handover"
)
LOG_KEY_RETIRED = _code(
    "log_key_retired", VerificationFailed, "a checkpoint signed only by log keys the log retired before it"
)

# --- rules edition 2 (docs/design/rules-edition-2.md): models, national keys, cycles, national acts ---
NO_MODEL_FOR_YEAR = _code("no_model_for_year", Refused, "a year that no score model of the policy covers")
SCORE_AREAS_MODEL = _code("score_areas_model", Refused, "scores that are not exactly the areas of the year's model")
MODEL_MISMATCH = _code("model_mismatch", Refused, "a cycle or assessment under another model than the cycle's")
ENDORSEMENT_REQUIRED = _code(
    "endorsement_required", Refused, "a national key registered, or signing in edition 2, without an endorsement"
)
ENDORSEMENT_INVALID = _code("endorsement_invalid", Refused, "an endorsement that is not the national root's")
ENDORSEMENT_UNEXPECTED = _code("endorsement_unexpected", Refused, "an endorsement on a key without a national role")
NO_NATIONAL_ROOT = _code("no_national_root", Refused, "a national key while the policy names no national root")
NATIONAL_ROOT_CHANGED = _code("national_root_changed", Refused, "a policy.set that changes the national root")
RULES_EDITION_LOWERED = _code("rules_edition_lowered", Refused, "a policy.set that lowers the rules edition")
CYCLE_EXISTS = _code("cycle_exists", Refused, "a cycle opened twice")
INVALID_CYCLE = _code(
    "invalid_cycle", Refused, "a cycle whose year is not its stream's, or closing before its deadline"
)
UNKNOWN_CYCLE = _code("unknown_cycle", Refused, "a proposal or national act naming a cycle not opened")
CYCLE_REQUIRED = _code("cycle_required", Refused, "a proposal without its cycle")
PAST_DEADLINE = _code("past_deadline", Refused, "a proposal after its cycle's proposal deadline")
QUOTA_REACHED = _code("quota_reached", Refused, "a proposal beyond its agency's quota in the cycle")
CYCLE_CLOSED = _code("cycle_closed", Refused, "a national step or designation of a proposal whose cycle closed")
PROPOSAL_NOT_LAPSED = _code("proposal_not_lapsed", Refused, "a re-proposal of a unit whose proposal has not lapsed")
NOT_PROPOSED = _code("not_proposed", Refused, "a national act for a unit not proposed in the named cycle")
SCREENING_RECORDED = _code("screening_recorded", Refused, "a second screening of one proposal")
SCREENING_IS_DOCUMENT_CHECK = _code(
    "screening_is_document_check", Refused, "a scored screening step: edition 2 records screening.recorded"
)
NOTES_REQUIRED = _code("notes_required", Refused, "a screening not passed outright without its notes")
NOTHING_TO_APPEAL = _code("nothing_to_appeal", Refused, "an appeal without a failed screening")
APPEAL_FILED = _code("appeal_filed", Refused, "a second appeal of one screening")
APPEAL_WINDOW_CLOSED = _code("appeal_window_closed", Refused, "an appeal after the cycle's appeal days")
NO_APPEAL = _code("no_appeal", Refused, "a decision without a filed, undecided appeal")
DECREE_REQUIRED = _code("decree_required", Refused, "a designation without its decree (sk)")
DECREE_MISMATCH = _code("decree_mismatch", Refused, "a decree number seen before with another date or document")
PREDICATE_NOT_HELD = _code("predicate_not_held", Refused, "a revocation of a predicate the unit does not hold")
USE_PREDICATE_REVOKED = _code(
    "use_predicate_revoked", Refused, "designated -> revoked by stage.advanced: edition 2 uses predicate.revoked"
)
NO_PREDICATE = _code("no_predicate", Refused, "monitoring of a unit that holds no predicate")

# --- conflict -----------------------------------------------------------------------------------------
STALE_HEAD = _code(Conflict.code, Conflict, "seq/prev not on the stream's head: re-sign on head")

# --- not found ----------------------------------------------------------------------------------------
NOT_FOUND = _code(NotFound.code, NotFound, "something that does not exist")
LEAF_NOT_FOUND = _code("leaf_not_found", NotFound, "a leaf index not below the tree's size")
SUBTREE_NOT_FOUND = _code("subtree_not_found", NotFound, "a subtree beyond the tree's leaves")
SIZE_NOT_FOUND = _code("size_not_found", NotFound, "a tree size beyond the tree's leaves")
_code(INDEX_OUT_OF_RANGE, NotFound, "a leaf index at or beyond the log's size")
_code(SIZE_OUT_OF_RANGE, NotFound, "a tree size beyond the log's size")
_code(UNKNOWN_UNIT, NotFound, "a query about a unit not registered")
_code(UNKNOWN_SIGNER, NotFound, "a query about a signer who signed nothing and holds no key")
NOT_DESIGNATED = _code("not_designated", NotFound, "a plaque or check of a unit no decree ever designated")
EMPTY_LOG = _code("empty_log", NotFound, "a log with no checkpoint yet")
NO_LOG = _code("no_log", NotFound, "a directory with no checkpoint file: not an exported log")
NO_LEDGER = _code("no_ledger", NotFound, "a directory with no ledger.json: not a data directory")
TILE_MISSING = _code("tile_missing", NotFound, "a tile the verifier's source does not have")
MISSING_LEAF = _code("missing_leaf", NotFound, "a leaf missing from a data directory's events")
UNKNOWN_STREAM = _code("unknown_stream", NotFound, "a stream with no entries")
UNKNOWN_QUERY = _code("unknown_query", NotFound, "a feed of an oversight question that does not exist")
UNKNOWN_TOKEN = _code("unknown_token", NotFound, "a token id with no active token")
TILE_NOT_FOUND = _code("tile_not_found", NotFound, "a tile beyond the log's size")
NOT_COSIGNED_YET = _code(
    "not_cosigned_yet", NotFound, "no cosigned checkpoint holds the leaf yet: try again (Retry-After)"
)

# --- unavailable --------------------------------------------------------------------------------------
BUSY = _code(Unavailable.code, Unavailable, "too many concurrent writers: try again")
STORE_DAMAGED = _code("store_damaged", Unavailable, "the stored log does not replay or lost signed entries")
STORE_UNREADABLE = _code("store_unreadable", Unavailable, "the ledger's events cannot be read (damaged SQLite)")
STORAGE_FULL = _code("storage_full", Unavailable, "the ledger's disk has no room for a write: nothing was written")
INVALID_SIGNED_HEAD = _code("invalid_signed_head", Unavailable, "signed-head.json is damaged: restore it or repair")
INVALID_TOKEN_FILE = _code("invalid_token_file", Unavailable, "the server's token file is not a list of token records")
VIEWS_BUSY = _code("views_busy", Unavailable, "another process keeps the views: stop it to rebuild them")
VIEWS_BEHIND = _code("views_behind", Unavailable, "the views do not hold the asked leaf yet: try again")
VIEWS_UNAVAILABLE = _code("views_unavailable", Unavailable, "this server keeps no views (memory store)")

# --- operations: upgrades, backup and restore (issue 17; ledger.store.migrations, ledger.backup) --------
MIGRATION_NEEDED = _code(
    "migration_needed", Unavailable, "a data directory this release reads only after `integritas migrate`"
)
FORMAT_TOO_NEW = _code("format_too_new", Unavailable, "a data directory written by a newer release")
LEDGER_IN_USE = _code("ledger_in_use", Unavailable, "restore or migrate while a server runs the ledger")
BACKUP_TOOL_FAILED = _code("backup_tool_failed", Unavailable, "pg_dump or pg_restore failed (their message)")
ROLLBACK_REFUSED = _code(
    "rollback_refused", VerificationFailed, "a backup older than a checkpoint seen, without --allow-rollback"
)
BACKUP_DIVERGES = _code(
    "backup_diverges", VerificationFailed, "a backup that differs from a checkpoint seen at its size"
)
BACKUP_DAMAGED = _code("backup_damaged", VerificationFailed, "a backup file missing or changed since the backup")
RESTORE_FAILED = _code("restore_failed", VerificationFailed, "a restored ledger whose log does not verify")
NO_BACKUP = _code("no_backup", NotFound, "a directory with no backup.json: not a backup")
INVALID_BACKUP = _code("invalid_backup", MalformedInput, "a backup.json that cannot be read or of another format")

# --- evidence of assessments (issue 11; ledger.evidence, `integritas evidence`) ----------------------
INVALID_MANIFEST = _code(
    "invalid_manifest", MalformedInput, 'an evidence manifest that is not {"documents": [base64 SHA-256, ...]}'
)
DUPLICATE_DOCUMENT = _code("duplicate_document", MalformedInput, "an evidence manifest that lists a digest twice")
DOCUMENT_NOT_IN_MANIFEST = _code(
    "document_not_in_manifest", VerificationFailed, "a file whose SHA-256 the evidence manifest does not list"
)
EVIDENCE_MISMATCH = _code(
    "evidence_mismatch", VerificationFailed, "a manifest whose root or count differs from the logged evidence"
)
WORKBOOK_MISMATCH = _code("workbook_mismatch", VerificationFailed, "a workbook whose SHA-256 is not the logged one")
NO_EVIDENCE = _code("no_evidence", NotFound, "an entry that carries no evidence, or not the part asked for")
UNKNOWN_EVIDENCE_ITEM = _code("unknown_evidence_item", NotFound, "an LKE item the entry's evidence does not name")

# --- personal data (issue 15, rules edition 3; ledger.personal, ledger.store.personal) ----------------
INVALID_PERSONAL_DATA = _code(
    "invalid_personal_data", MalformedInput, "a disclosure or personal-data file that is not of its format"
)
PERSONAL_DATA_MISMATCH = _code(
    "personal_data_mismatch",
    VerificationFailed,
    "personal data (name, number, salt) that does not open the logged commitment",
)
PERSONAL_DATA_OF_ERASED = _code(
    "personal_data_of_erased", VerificationFailed, "personal data still held for a person the log records as erased"
)
PERSONAL_DATA_UNLOGGED = _code(
    "personal_data_unlogged", VerificationFailed, "personal data held for a pseudonym no entry of the log names"
)
PERSON_COMMITMENT_MISMATCH = _code(
    "person_commitment_mismatch", Refused, "an entry naming a person with another commitment than the log's"
)
PERSONAL_DATA_IN_CLEAR = _code(
    "personal_data_in_clear", Refused, "a name or employee number in clear in an entry of a rules-edition-3 log"
)
PERSON_NOT_IN_LOG = _code(
    "person_not_in_log", Refused, "an erasure or rectification of a pseudonym no entry of the log names"
)
PERSON_ERASED = _code("person_erased", Refused, "an entry naming or rectifying a person whose personal data was erased")
UNKNOWN_PERSON = _code("unknown_person", NotFound, "a person (number or pseudonym) the ledger holds nothing for")
PURPOSE_REQUIRED = _code("purpose_required", MalformedInput, "a read of personal data without a stated purpose")
ERASURE_UNFINISHED = _code(
    "erasure_unfinished", Unavailable, "an erasure in the log whose data deletion failed: send it again to finish"
)

# --- usage (the command line) ------------------------------------------------------------------------
USAGE = _code(UsageError.code, UsageError, "CLI only: a missing or conflicting option or argument")
