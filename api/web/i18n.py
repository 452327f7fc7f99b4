"""Words and formats of the web pages: Indonesian by default, English on request.

Messages are written in English in the code and templates (`_("Units")`) and translated to
Indonesian here; a test holds every message the templates use to a translation. Labels of the
ledger's own identifiers (stages, roles, kinds, offices) are looked up by category. Times are shown
in Western Indonesian Time (WIB, UTC+7), the time the regency keeps; dates in the Indonesian way
("8 Juli 2020") in both languages, with English month names in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.rules import parse_failing_check, render
from projections import catalog

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
WIB = timezone(timedelta(hours=7), "WIB")

MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

# English message -> Indonesian. Keys are exactly what the templates and the code pass to `_`. The words
# of the query catalog (oversight titles, filter and column labels) are the catalog's own, added below.
MESSAGES: dict[str, str] = {
    # layout
    "Skip to content": "Langsung ke isi",
    "Main menu": "Menu utama",
    "Overview": "Ikhtisar",
    "Units": "Unit kerja",
    "Oversight": "Pengawasan",
    "Log": "Log",
    "Check a bundle": "Periksa bundel",
    "Language": "Bahasa",
    "Read token": "Token baca",
    "Enter read token": "Masukkan token baca",
    "Signed in as": "Masuk sebagai",
    "Forget token": "Lupakan token",
    "Views as of log size": "Tampilan per ukuran log",
    "last entry": "entri terakhir",
    "root": "akar",
    "Integrity zone ledger": "Buku besar zona integritas",
    "Demo data: every person, number and decision in this ledger is invented.": (
        "Data demo: semua orang, nomor dan keputusan di buku besar ini rekaan."
    ),
    # generic
    "Apply": "Terapkan",
    "Reset": "Atur ulang",
    "Any": "Semua",
    "Previous": "Sebelumnya",
    "Next": "Berikutnya",
    "Page navigation": "Navigasi halaman",
    "Showing {first}–{last} of {total}": "Menampilkan {first}–{last} dari {total}",
    "of": "dari",  # a witness quorum: "1 dari (kejari, polres)"
    "Nothing to show.": "Tidak ada yang ditampilkan.",
    "record": "catatan",
    "Signer": "Penanda tangan",
    "Role": "Peran",
    "Name": "Nama",
    "Predicate": "Predikat",
    "Pact coverage": "Cakupan pakta",
    "Until": "Sampai",
    "Download CSV": "Unduh CSV",
    "Digest of this answer": "Digest jawaban ini",
    "Digest of the status": "Digest status ini",
    "Ages are counted to {day}, the day of the log's last entry.": (
        "Umur dihitung sampai {day}, hari entri terakhir log."
    ),
    "Days are counted to {day}.": "Hari dihitung sampai {day}.",
    "Days are counted to {day}, the day of the log's last entry.": (
        "Hari dihitung sampai {day}, hari entri terakhir log."
    ),
    "Digest of this page of the history": "Digest halaman riwayat ini",
    "Recompute it offline: unpack the log archive (Log page) into log, or give a ledger directory instead "
    "of log, and run:": (
        "Hitung ulang secara luring: buka arsip log (halaman Log) ke direktori log, atau ganti log dengan "
        "direktori ledger, lalu jalankan:"
    ),
    "unknown signer": "penanda tangan tak dikenal",
    "Sort by": "Urutkan menurut",
    "Filter": "Saring",
    "on": "pada",
    # overview
    "Units by stage": "Unit menurut tahap",
    "Units by predicate": "Unit menurut predikat",
    "{count} units": "{count} unit",
    "Pact coverage across the region": "Cakupan pakta di seluruh wilayah",
    "{valid} of {headcount} employees hold a valid integrity pact ({percent}).": (
        "{valid} dari {headcount} pegawai memegang pakta integritas yang berlaku ({percent})."
    ),
    "{full} of {units} units have full coverage.": "{full} dari {units} unit sudah tercakup penuh.",
    "Lowest coverage": "Cakupan terendah",
    "Units needing attention": "Unit yang perlu perhatian",
    "Stalled for {days} days or more": "Tertahan {days} hari atau lebih",
    "See all": "Lihat semua",
    "No unit is stalled.": "Tidak ada unit yang tertahan.",
    "No remediation item is open.": "Tidak ada rekomendasi perbaikan yang terbuka.",
    "No review has failed.": "Tidak ada penilaian yang tidak lulus.",
    "Latest checkpoint": "Checkpoint terbaru",
    "Witnesses": "Saksi",
    "Or paste the whole trust.json: the checkpoint is then also held to its witness policy.": (
        "Atau tempel seluruh trust.json: checkpoint lalu juga diperiksa terhadap kebijakan saksinya."
    ),
    "Independent offices cosign each checkpoint only if it extends the last one they cosigned, so the log cannot "
    "show two histories (C2SP tlog-witness).": (
        "Kantor-kantor independen menandatangani bersama setiap checkpoint hanya jika checkpoint itu melanjutkan "
        "yang terakhir mereka tandatangani, sehingga log tidak dapat menunjukkan dua riwayat (C2SP tlog-witness)."
    ),
    "Quorum": "Kuorum",
    "Cosigned checkpoint": "Checkpoint yang ditandatangani bersama",
    "Cosigned by": "Ditandatangani bersama oleh",
    "no witness yet": "belum ada saksi",
    "Not cosigned by a witness yet: reload in a moment.": (
        "Belum ditandatangani bersama oleh saksi: muat ulang sebentar lagi."
    ),
    "Log size": "Ukuran log",
    "Root hash": "Hash akar",
    "{count} items": "{count} butir",
    "Bar chart": "Diagram batang",
    # units
    "All units": "Semua unit",
    "No unit matches these filters.": "Tidak ada unit yang cocok dengan saringan ini.",
    # unit page
    "Status": "Status",
    "Stage since": "Tahap sejak",
    "Barred until": "Tidak boleh diusulkan sampai",
    "Registered": "Terdaftar",
    "Latest results": "Hasil terakhir",
    "Internal assessment (TPI)": "Penilaian internal (TPI)",
    "National review (TPN)": "Evaluasi nasional (TPN)",
    "No assessment yet.": "Belum ada penilaian.",
    "Outcome": "Hasil",
    "Score": "Nilai",
    "Employees without a valid pact": "Pegawai tanpa pakta yang berlaku",
    "{missing} of {headcount} employees have no valid pact.": (
        "{missing} dari {headcount} pegawai belum memiliki pakta yang berlaku."
    ),
    "Every employee holds a valid pact.": "Semua pegawai memegang pakta yang berlaku.",
    "Known by name: employees whose pact was released (transfer, retirement) and not signed again. "
    "The others have not signed a pact in this ledger yet.": (
        "Yang dikenal namanya: pegawai yang paktanya dilepas (mutasi, pensiun) dan belum menandatangani "
        "lagi. Sisanya belum pernah menandatangani pakta di buku besar ini."
    ),
    "Employee number": "NIP",
    "Released": "Dilepas",
    "Reason": "Alasan",
    "Remediation items": "Rekomendasi perbaikan",
    "Witness attestations": "Kesaksian pencanangan",
    "No declaration has been witnessed yet.": "Belum ada pencanangan yang disaksikan.",
    "Office": "Jabatan",
    "Oversight notes": "Catatan pengawasan",
    "No oversight note.": "Belum ada catatan pengawasan.",
    "Topic": "Topik",
    "Note": "Isi catatan",  # not "Catatan": that word is a record of the log, beside it in the notes table
    "History": "Riwayat",
    "Everything recorded about this unit, across its unit, pact, witness and oversight streams, newest first.": (
        "Semua yang tercatat tentang unit ini, dari aliran unit, pakta, saksi dan pengawasan, terbaru lebih dulu."
    ),
    "Open items": "Butir terbuka",
    # record page
    "Record {index}": "Catatan {index}",
    "Entry": "Entri",
    "Stream": "Aliran",
    "Sequence": "Urutan",
    "Previous entry": "Entri sebelumnya",
    "Time": "Waktu",
    "Body": "Isi",
    "Signature": "Tanda tangan",
    "Leaf hash": "Hash daun",
    "Signer and key": "Penanda tangan dan kunci",
    "Holder": "Pemegang",
    "Scope": "Cakupan wewenang",
    "all units": "semua unit",
    "Fingerprint": "Sidik jari",
    "Public key": "Kunci publik",
    "Key registered in": "Kunci didaftarkan di",
    "Key status": "Status kunci",
    "valid when this entry was signed": "berlaku saat entri ini ditandatangani",
    "revoked in record {index}: {reason}": "dicabut di catatan {index}: {reason}",
    "revoked in record {index}": "dicabut di catatan {index}",
    "still valid": "masih berlaku",
    "not registered in this log": "tidak terdaftar di log ini",
    "Inclusion proof": "Bukti inklusi",
    "Index {index} in a tree of {size} leaves; {count} hashes, the leaf's sibling first.": (
        "Indeks {index} dalam pohon berukuran {size} daun; {count} hash, mulai dari saudara daun."
    ),
    "Checkpoint": "Checkpoint",
    "Download the proof (.tlog-proof)": "Unduh bukti (.tlog-proof)",
    "Download the leaf": "Unduh daun",
    "Unit page": "Halaman unit",
    "Signer's activity": "Aktivitas penanda tangan",
    # verification
    "Verify in this browser": "Verifikasi di peramban ini",
    "The checks run here, in your browser, with the Web Crypto API: nothing is sent anywhere. "
    "They use the log's verifier key that you paste below, never one taken from this server's answers.": (
        "Pemeriksaan berjalan di sini, di peramban Anda, dengan Web Crypto API: tidak ada yang dikirim ke mana pun. "
        "Pemeriksaan memakai kunci verifikasi log yang Anda tempel di bawah, bukan kunci dari jawaban server ini."
    ),
    "Log verifier key": "Kunci verifikasi log",
    "Paste the verifier key you received from the log's administrator (trust.json), e.g. origin+1a2b3c4d+AbC…": (
        "Tempel kunci verifikasi yang Anda terima dari administrator log (trust.json), misalnya origin+1a2b3c4d+AbC…"
    ),
    "Save key": "Simpan kunci",
    "Change key": "Ganti kunci",
    "Verify this record": "Verifikasi catatan ini",
    "Verify the bundle": "Verifikasi bundel",
    "This page needs JavaScript for the checks; or use the command line: integritas verify-record.": (
        "Halaman ini butuh JavaScript untuk pemeriksaan; atau gunakan baris perintah: integritas verify-record."
    ),
    # evidence page
    "Check a document against this record's evidence": "Periksa dokumen terhadap bukti dukung catatan ini",
    "Check a document against an assessment's evidence": "Periksa dokumen terhadap bukti dukung penilaian",
    "An assessment may log the Merkle root of the digests of the documents the assessors saw. Pick a "
    "document and the assessors' manifest: this browser hashes them (SHA-256, Web Crypto) and checks them "
    "against the record's evidence. The files are never uploaded.": (
        "Penilaian dapat mencatat akar Merkle dari digest dokumen yang dilihat penilai. Pilih dokumen dan "
        "manifes penilai: peramban ini menghitung hash-nya (SHA-256, Web Crypto) dan memeriksanya terhadap "
        "bukti dukung catatan. Berkas tidak pernah diunggah."
    ),
    "Check in this browser": "Periksa di peramban ini",
    "Record number (the assessment)": "Nomor catatan (penilaian)",
    "LKE item (optional)": "Butir LKE (opsional)",
    "Leave empty to check against all documents; give an item id to check against that item's documents.": (
        "Kosongkan untuk memeriksa terhadap semua dokumen; isi id butir untuk memeriksa terhadap dokumen butir itu."
    ),
    "Manifest (JSON)": "Manifes (JSON)",
    "Document": "Dokumen",
    "LKE workbook (optional)": "Kertas kerja LKE (opsional)",
    "Check the document": "Periksa dokumen",
    "This page needs JavaScript for the checks; or use the command line: integritas evidence check.": (
        "Halaman ini butuh JavaScript untuk pemeriksaan; atau gunakan baris perintah: integritas evidence check."
    ),
    # bundle page
    "Check a record bundle offline": "Periksa bundel catatan secara luring",
    "Open a record's proof (.tlog-proof) and its leaf from your disk: they are read here and never "
    "uploaded. A record page offers both for download, and so does the command line: "
    "integritas prove INDEX --leaf-out FILE.": (
        "Buka bukti catatan (.tlog-proof) dan daunnya dari disk Anda: keduanya dibaca di sini dan tidak pernah "
        "diunggah. Halaman catatan menyediakan keduanya untuk diunduh, begitu pula baris perintah: "
        "integritas prove INDEX --leaf-out FILE."
    ),
    "Proof file (.tlog-proof)": "Berkas bukti (.tlog-proof)",
    "Leaf file": "Berkas daun",
    "Signer's public key (optional)": "Kunci publik penanda tangan (opsional)",
    "Base64 public key from the signer's key registration record; without it the entry's signature is not checked.": (
        "Kunci publik base64 dari catatan pendaftaran kunci penanda tangan; tanpanya tanda tangan entri "
        "tidak diperiksa."
    ),
    # log page
    "The log": "Log",
    "Origin": "Origin",
    "Verifier key": "Kunci verifikasi",
    "Key id": "ID kunci",
    "Root key fingerprint": "Sidik jari kunci akar",
    "Trust anchor": "Jangkar kepercayaan",
    "Get the trust anchor (trust.json) from the regency's administrator through a channel you trust, "
    "and compare it with this one: a server could show any key here.": (
        "Dapatkan jangkar kepercayaan (trust.json) dari administrator kabupaten melalui saluran yang Anda percaya, "
        "lalu bandingkan dengan yang ini: server bisa menampilkan kunci apa pun di sini."
    ),
    "Download trust.json": "Unduh trust.json",
    "Download the whole log (.tar.gz)": "Unduh seluruh log (.tar.gz)",
    "Needs a read token of an auditor or operator.": "Perlu token baca auditor atau operator.",
    "Verify offline with the command line": "Verifikasi luring dengan baris perintah",
    "The whole log, every entry, signature and rule, from this server:": (
        "Seluruh log, setiap entri, tanda tangan dan aturan, dari server ini:"
    ),
    "Or from the exported archive, without the server:": "Atau dari arsip ekspor, tanpa server:",
    "One record, from its proof and leaf:": "Satu catatan, dari bukti dan daunnya:",
    "Keep the checkpoint you verified and pass it next time, so the log must prove it only grew:": (
        "Simpan checkpoint yang sudah Anda verifikasi dan berikan lagi lain kali, agar log harus membuktikan "
        "bahwa ia hanya bertambah:"
    ),
    "Public tiles (C2SP tlog-tiles)": "Tile publik (C2SP tlog-tiles)",
    # oversight
    "Oversight questions": "Pertanyaan pengawasan",
    "Coverage below (ratio, e.g. 0.9)": "Cakupan di bawah (rasio, mis. 0.9)",
    "Entries signed": "Entri ditandatangani",
    "First": "Pertama",
    "Last": "Terakhir",
    "Give a signer's fingerprint to see their activity.": (
        "Berikan sidik jari penanda tangan untuk melihat aktivitasnya."
    ),
    "Every answer carries the log size and root it was computed at, and a digest that anyone can "
    "recompute offline from an export: integritas views digest.": (
        "Setiap jawaban membawa ukuran log dan akar saat dihitung, serta digest yang dapat dihitung ulang "
        "siapa pun secara luring dari ekspor: integritas views digest."
    ),
    # access
    "A read token is needed": "Token baca diperlukan",
    "This page shows what entries say (names, employee numbers), so it needs a read token. "
    "Enter the token you were given once; this browser keeps it in a cookie it does not show to scripts.": (
        "Halaman ini menampilkan isi entri (nama, NIP), jadi memerlukan token baca. Masukkan token yang "
        "diberikan kepada Anda sekali saja; peramban ini menyimpannya dalam cookie yang tidak dapat dibaca skrip."
    ),
    "Token": "Token",
    "Continue": "Lanjutkan",
    "The token is not valid (unknown or revoked).": "Token tidak berlaku (tidak dikenal atau sudah dicabut).",
    "This token's role may not see this page.": "Peran token ini tidak boleh melihat halaman ini.",
    "Public pages need no token:": "Halaman publik tanpa token:",
    "The form was sent from another site.": "Formulir dikirim dari situs lain.",
    "Token saved for this browser.": "Token disimpan untuk peramban ini.",
    "You are signed in as {name} ({role}).": "Anda masuk sebagai {name} ({role}).",
    # rules edition 2: the unit page's proposals, decrees, monitoring and cases
    "fictional unit": "unit fiktif",
    "An invented unit: its story is made up for the demo and names no real office.": (
        "Unit rekaan: kisahnya dikarang untuk demo dan tidak menyebut instansi nyata mana pun."
    ),
    "Proposals and national evaluation": "Usulan dan evaluasi nasional",
    "Not proposed yet.": "Belum pernah diusulkan.",
    "Appeal (sanggah)": "Sanggah",
    "awaiting the TPN": "menunggu TPN",
    "Decrees (SK)": "Surat keputusan (SK)",
    "No decree names this unit.": "Belum ada SK yang menyebut unit ini.",
    "SHA-256 of the published decree": "SHA-256 dokumen SK yang diterbitkan",
    "Revocation": "Pencabutan",
    "Revocation ground": "Alasan pencabutan",
    "Monitoring": "Pemantauan",
    "No monitoring recorded.": "Belum ada pemantauan tercatat.",
    "Cases": "Perkara",
    "Open cases": "Perkara terbuka",
    "No case recorded.": "Tidak ada perkara tercatat.",
    "concerns": "menyangkut",
    "open": "terbuka",
    "closed": "ditutup",
    "opened": "dibuka",
    "Signed by": "Ditandatangani oleh",
    "this ledger's agency": "instansi buku besar ini",
    "Monitoring in {year}.": "Pemantauan tahun {year}.",
    "Monitoring in {year}, the year of the log's last entry.": "Pemantauan tahun {year}, tahun entri terakhir log.",
    # people and search (issue 13): the directory, a person's page, the search box, choosing a signer
    "People": "Orang",
    "People and keys": "Orang dan kunci",
    "Every key registered in the log: who holds it, what it may sign, and from when to when it was valid.": (
        "Setiap kunci yang terdaftar di log: siapa pemegangnya, apa yang boleh ditandatanganinya, dan kapan berlakunya."
    ),
    "Acting for office": "Atas nama instansi",
    "Valid from": "Berlaku sejak",
    "Valid to": "Berlaku sampai",
    "revoked": "dicabut",
    "No key matches these filters.": "Tidak ada kunci yang cocok dengan saringan ini.",
    "No key has the fingerprint {fingerprint}.": "Tidak ada kunci dengan sidik jari {fingerprint}.",
    "Key": "Kunci",
    "Integrity pacts": "Pakta integritas",
    "valid": "berlaku",
    "not valid": "tidak berlaku",
    "No pact of this person is in the log.": "Tidak ada pakta orang ini di log.",
    "Entries signed with this key": "Entri yang ditandatangani dengan kunci ini",
    "This key has signed nothing yet.": "Kunci ini belum menandatangani apa pun.",
    "Search": "Cari",
    "Name, unit, number, fingerprint": "Nama, unit, NIP, sidik jari",
    "Unit or person's name, unit id, employee number or fingerprint": (
        "Nama unit atau orang, kode unit, NIP atau sidik jari"
    ),
    "{total} found for “{q}”.": "{total} ditemukan untuk “{q}”.",
    "Nothing found for “{q}”.": "Tidak ada yang ditemukan untuk “{q}”.",
    "Employee": "Pegawai",
    "valid pact": "pakta berlaku",
    "no valid pact": "tanpa pakta berlaku",
    "Which signer?": "Penanda tangan yang mana?",
    "Several keys match “{asked}”: choose one.": "Beberapa kunci cocok dengan “{asked}”: pilih salah satu.",
    # errors
    "Page not found": "Halaman tidak ditemukan",
    "There is no page at this address.": "Tidak ada halaman di alamat ini.",
    "This log's rules (edition {rules}) have no {kind} entries.": (
        "Aturan log ini (edisi {rules}) tidak mengenal entri {kind}."
    ),
    "Not found": "Tidak ditemukan",
    "Not allowed": "Tidak diizinkan",
    "Too large": "Terlalu besar",
    "Bad request": "Permintaan tidak valid",
    "Unavailable": "Tidak tersedia",
    "Something went wrong": "Terjadi kesalahan",
    "The server failed; the operator's log has the details.": ("Server gagal; log operator memuat rinciannya."),
    "This server keeps no status views (its store is in memory).": (
        "Server ini tidak menyimpan tampilan status (penyimpanannya di memori)."
    ),
    "Unit {unit} is not registered.": "Unit {unit} tidak terdaftar.",
    "Record {index} is not in the log (size {size}).": "Catatan {index} tidak ada di log (ukuran {size}).",
    "There is no oversight question {name}.": "Tidak ada pertanyaan pengawasan {name}.",
    "Back to the overview": "Kembali ke ikhtisar",
    "{field}: {problem}": "{field}: {problem}",
    "not a whole number": "bukan bilangan bulat",
    "not a date (YYYY-MM-DD)": "bukan tanggal (TTTT-BB-HH)",
    "not one of the choices": "bukan salah satu pilihan",
    "too long": "terlalu panjang",
    # --- the public pages, plaques and their checks (issue 14, public) ---
    "Public": "Publik",
    "Public overview": "Ikhtisar publik",
    (
        "Every unit's progress in the integrity zone (Zona Integritas) and every decree, for anyone to read "
        "and check. No personal data is shown here."
    ): (
        "Kemajuan setiap unit dalam Zona Integritas dan setiap surat keputusan, untuk dibaca dan diperiksa "
        "siapa saja. Tidak ada data pribadi di halaman ini."
    ),
    "Staff and overseers:": "Pegawai dan pengawas:",
    "The log and its verifier key": "Log dan kunci verifikasinya",
    "Units by type": "Unit menurut jenis",
    "Decrees": "Surat keputusan",
    "Decrees of designation": "SK penetapan",
    "Decrees of revocation": "SK pencabutan",
    "Answer digest": "Digest jawaban",
    ("A function of the log of size {size} only; the same answer as JSON:"): (
        "Hanya bergantung pada log berukuran {size}; jawaban yang sama sebagai JSON:"
    ),
    "All": "Semua",
    "Show": "Tampilkan",
    "No unit matches.": "Tidak ada unit yang cocok.",
    "Act": "Tindakan",
    "Designation": "Penetapan",
    "Number": "Nomor",
    "Date": "Tanggal",
    "Document digest (SHA-256)": "Digest dokumen (SHA-256)",
    "No decree yet.": "Belum ada surat keputusan.",
    ("Each decree's document digest is the SHA-256 of the published decree: hash your copy and compare."): (
        "Digest dokumen setiap SK adalah SHA-256 dari SK yang diterbitkan: hitung hash salinan Anda dan bandingkan."
    ),
    ("This unit holds its predicate by decree. Check it yourself, in your browser:"): (
        "Unit ini memegang predikatnya berdasarkan surat keputusan. Periksa sendiri, di peramban Anda:"
    ),
    "Check the designation": "Periksa penetapan",
    "Print the plaque": "Cetak plakat",
    ("The predicate this unit was designated was revoked."): (
        "Predikat yang pernah ditetapkan untuk unit ini telah dicabut."
    ),
    "Check the designation and its revocation": "Periksa penetapan dan pencabutannya",
    "Plaque": "Plakat",
    "Paper size": "Ukuran kertas",
    "Print it from your browser (Ctrl+P).": "Cetak dari peramban Anda (Ctrl+P).",
    ("Scan to check this designation against the public log:"): (
        "Pindai untuk memeriksa penetapan ini terhadap log publik:"
    ),
    "Check a designation": "Periksa penetapan",
    "Checking…": "Memeriksa…",
    (
        "This page checks, in your own browser, that the decree below is recorded in the public log: the "
        "record's signature, its place in the log, and the log's signature (and its witnesses', where the log"
        " has them). It does not rely on this server's word."
    ): (
        "Halaman ini memeriksa, di peramban Anda sendiri, bahwa SK di bawah tercatat dalam log publik: tanda "
        "tangan catatan, tempatnya dalam log, dan tanda tangan log (serta para saksinya, bila log "
        "memilikinya). Halaman ini tidak bergantung pada kata server ini."
    ),
    "Signed with the key of": "Ditandatangani dengan kunci",
    "The key this page checks against": "Kunci yang dipakai halaman ini",
    (
        "This page checks against the log's verifier key below (trust.json). Compare it with the one the "
        "regency publishes (on its official website and notice boards) or the one you received from its "
        "administrator: if they differ, do not trust this page's verdict."
    ): (
        "Halaman ini memeriksa dengan kunci verifikasi log di bawah (trust.json). Bandingkan dengan yang "
        "diumumkan pemerintah kabupaten (di situs resmi dan papan pengumumannya) atau yang Anda terima dari "
        "administratornya: bila berbeda, jangan percayai hasil halaman ini."
    ),
    (
        "The signer's key registration names its holder, so it is not shown here; the log accepted the record"
        " only from a key it registered for that role. With a read token, the record page verifies the "
        "registration too."
    ): (
        "Pendaftaran kunci penanda tangan memuat nama pemegangnya, sehingga tidak ditampilkan di sini; log "
        "hanya menerima catatan ini dari kunci yang didaftarkannya untuk peran tersebut. Dengan token baca, "
        "halaman catatan juga memverifikasi pendaftaran itu."
    ),
    "Unit {unit} has no decree of designation.": "Unit {unit} tidak memiliki SK penetapan.",
    ("Unit {unit} holds no predicate: there is no plaque to print."): (
        "Unit {unit} tidak memegang predikat: tidak ada plakat untuk dicetak."
    ),
    ("Without a token: the public pages show every unit's stage, predicate and decrees."): (
        "Tanpa token: halaman publik menampilkan tahap, predikat dan SK setiap unit."
    ),
    "Public pages": "Halaman publik",
    # reports, CSV files and feeds (issue 14: api.web.pages.reports, api.web.spreadsheet, api.web.feeds)
    "Printable report": "Laporan untuk dicetak",
    "Atom feed": "Umpan Atom",
    "Unit name": "Nama unit",
    "Item id": "Kode butir",
    "Digest": "Digest",
    "Report": "Laporan",
    "Print": "Cetak",
    "What this report answers from": "Dasar jawaban laporan ini",
    "Last entry": "Entri terakhir",
    "since": "sejak",
    "Newest first; {shown} of {total} lines.": "Terbaru lebih dulu; {shown} dari {total} baris.",
    "Filters": "Saringan",
    "None: the question's defaults.": "Tidak ada: bawaan pertanyaan ini.",
    "Answer": "Jawaban",
    "{name}: {days} days in stage {stage}": "{name}: {days} hari di tahap {stage}",
    "In stage {stage} since {day}.": "Di tahap {stage} sejak {day}.",
    "Recent entries": "Entri terbaru",
    "Newest first. What an entry says is on its record page.": (
        "Terbaru lebih dulu. Isi sebuah entri ada di halaman catatannya."
    ),
    "Newest first, as the public tiles show them; a pact's stream names an employee, so it is shortened here. "
    "What an entry says needs a read token.": (
        "Terbaru lebih dulu, seperti yang ditunjukkan tile publik; aliran pakta menyebut seorang pegawai, jadi "
        "di sini dipendekkan. Isi sebuah entri memerlukan token baca."
    ),
    "Signer's office": "Instansi penanda tangan",
    # --- personal data (issue 15: rules edition 3, the administrator's page) ---
    "Personal data": "Data pribadi",
    "Names and numbers are kept beside the log, never in it. Every look-up is recorded with who asked and why.": (
        "Nama dan NIP disimpan di samping log, tidak pernah di dalamnya. "
        "Setiap pencarian dicatat beserta siapa yang meminta dan untuk apa."
    ),
    "Look up a person": "Cari orang",
    "Pseudonym or employee number": "Pseudonim atau NIP",
    "Purpose (recorded)": "Tujuan (dicatat)",
    "Look up": "Cari",
    "Pseudonym": "Pseudonim",
    "Erased: only the pseudonym remains.": "Dihapus: hanya pseudonim yang tersisa.",
    "Records naming this person": "Catatan yang menyebut orang ini",
    "Erasure": "Penghapusan",
    "Erasure is an entry signed by an administrator's key, with its legal basis. On the server:": (
        "Penghapusan adalah entri bertanda tangan kunci administrator, dengan dasar hukumnya. Di server:"
    ),
    "Read log": "Log pembacaan",
    "When": "Waktu",
    "Reader": "Pembaca",
    "No personal data has been read yet.": "Belum ada data pribadi yang dibaca.",
    "No entry of the log names {person}.": "Tidak ada entri log yang menyebut {person}.",
    # the edition-3 person forms (issue 15, pd-forms: api/web/static/persons.js, writer.js)
    "This log is under rules edition 3: the entry names the person by a pseudonym and a commitment made in "
    "this page. Their name and number are sent beside the entry to the personal-data store, never into the "
    "log; a person the store already holds keeps their pseudonym (looked up by number, the lookup recorded).": (
        "Log ini memakai aturan edisi 3: entri menyebut orang dengan pseudonim dan komitmen yang dibuat di "
        "halaman ini. Nama dan NIP-nya dikirim di samping entri ke penyimpanan data pribadi, tidak pernah ke "
        "log; orang yang sudah disimpan tetap memakai pseudonimnya (dicari menurut NIP, pencarian dicatat)."
    ),
    "Your pact names you as your key's holder: {person}, with the commitment logged when your key was "
    "registered. No personal data is sent.": (
        "Pakta Anda menyebut Anda sebagai pemegang kunci: {person}, dengan komitmen yang dicatat saat kunci "
        "Anda didaftarkan. Tidak ada data pribadi yang dikirim."
    ),
    "{person} is a new person: {who}. The name, number and salt go beside the entry to the personal-data "
    "store, never into the log.": (
        "{person} adalah orang baru: {who}. Nama, NIP dan garamnya dikirim di samping entri ke penyimpanan "
        "data pribadi, tidak pernah ke log."
    ),
    "{person} is {who}, already held by the personal-data store: the entry carries its logged commitment; "
    "no personal data is sent.": (
        "{person} adalah {who}, sudah disimpan penyimpanan data pribadi: entri membawa komitmennya yang "
        "tercatat; tidak ada data pribadi yang dikirim."
    ),
    "{person} is you, your key's holder: no personal data is sent.": (
        "{person} adalah Anda, pemegang kunci ini: tidak ada data pribadi yang dikirim."
    ),
    "employee number {number} is held under another name: check the name (nothing was recorded, nothing "
    "signed).": "NIP {number} tersimpan dengan nama lain: periksa namanya (tidak ada yang dicatat atau "
    "ditandatangani).",
    "Employee number {number} is twice in this batch: one person, one pact.": (
        "NIP {number} muncul dua kali dalam daftar ini: satu orang, satu pakta."
    ),
    # --- personal data: the erasure form, search by name or number, the subject's own records (issue 15, pd-admin) ---
    "My personal data": "Data pribadi saya",
    "Sign in with your key to see the records that name you: the page shows only its holder's own.": (
        "Masuk dengan kunci Anda untuk melihat catatan yang menyebut Anda: halaman ini hanya menampilkan "
        "milik pemegang kunci sendiri."
    ),
    "The log names the holder of this key in clear (rules edition 1 or 2): nothing is kept for you beside the log.": (
        "Log menyebut pemegang kunci ini secara terbuka (aturan edisi 1 atau 2): tidak ada yang disimpan "
        "tentang Anda di samping log."
    ),
    "The records of the log that name you, the data kept about you beside the log, and who read it "
    "(UU 27/2022 art. 32). This look-up is recorded too, with the purpose “the data subject's access”.": (
        "Catatan log yang menyebut Anda, data tentang Anda yang disimpan di samping log, dan siapa yang "
        "membacanya (UU 27/2022 pasal 32). Pencarian ini juga dicatat, dengan tujuan “the data subject's "
        "access” (akses subjek data)."
    ),
    "Records naming you": "Catatan yang menyebut Anda",
    "Who read your data": "Siapa yang membaca data Anda",
    "Or in this browser, signed with the administrator's key this device holds: the server then deletes "
    "the data as the command does, and the page shows what remains.": (
        "Atau di peramban ini, ditandatangani dengan kunci administrator yang disimpan perangkat ini: server "
        "lalu menghapus datanya seperti perintah itu, dan halaman menampilkan apa yang tersisa."
    ),
    "The erasure form": "Formulir penghapusan",
    "Persons, by name or employee number": "Orang, menurut nama atau NIP",
    "From the personal-data store beside the log, not from the log: each person shown is a read of their "
    "data, recorded with the purpose “search”. Persons whose data was erased are not found.": (
        "Dari penyimpanan data pribadi di samping log, bukan dari log: setiap orang yang ditampilkan adalah "
        "pembacaan datanya, dicatat dengan tujuan “search” (pencarian). Orang yang datanya telah dihapus "
        "tidak ditemukan."
    ),
    "Person": "Orang",
    "Records": "Catatan",
    "{shown} of {total} shown: add words to narrow the search.": (
        "{shown} dari {total} ditampilkan: tambahkan kata untuk mempersempit pencarian."
    ),
    "No person's name or number matches.": "Tidak ada nama atau NIP orang yang cocok.",
    "No unit or key matches “{q}”.": "Tidak ada unit atau kunci yang cocok dengan “{q}”.",
    "Units, keys and pacts in the log": "Unit, kunci dan pakta di log",
    "Found: {name}, employee number {number}, pseudonym {person} (this look-up was recorded). "
    "Check that this is the person whose data is to be erased.": (
        "Ditemukan: {name}, NIP {number}, pseudonim {person} (pencarian ini dicatat). "
        "Pastikan inilah orang yang datanya akan dihapus."
    ),
    "Found: {name}, pseudonym {person} (this look-up was recorded). "
    "Check that this is the person whose data is to be erased.": (
        "Ditemukan: {name}, pseudonim {person} (pencarian ini dicatat). "
        "Pastikan inilah orang yang datanya akan dihapus."
    ),
    "Pseudonym {person}: the log names this person, but no personal data is held for them here.": (
        "Pseudonim {person}: log menyebut orang ini, tetapi tidak ada data pribadinya yang disimpan di sini."
    ),
    "No personal data is held for that pseudonym or employee number.": (
        "Tidak ada data pribadi yang disimpan untuk pseudonim atau NIP itu."
    ),
    "The personal data of {person} was erased already (record {index}).": (
        "Data pribadi {person} sudah dihapus (catatan {index})."
    ),
    "Erased: the log holds the erasure of {person} at record {index}, and this ledger no longer holds "
    "their name or number: the row is deleted from the personal-data store, the file rebuilt and its "
    "write-ahead log emptied, and the {exports} registered auditor export(s) rewritten without it.": (
        "Terhapus: log memuat penghapusan {person} pada catatan {index}, dan buku besar ini tidak lagi "
        "menyimpan nama atau NIP-nya: barisnya dihapus dari penyimpanan data pribadi, berkasnya dibangun "
        "ulang dan log tulis-depannya dikosongkan, dan {exports} ekspor auditor terdaftar ditulis ulang tanpanya."
    ),
    "The erasure of {person} is in the log (record {index}), but this ledger still holds some of their "
    "data (the personal-data store, or {exports} auditor export(s)). Send the same entry again, or "
    "restart the server: either finishes the deletion.": (
        "Penghapusan {person} sudah ada di log (catatan {index}), tetapi buku besar ini masih menyimpan "
        "sebagian datanya (penyimpanan data pribadi, atau {exports} ekspor auditor). Kirim lagi entri yang "
        "sama, atau mulai ulang server: keduanya menuntaskan penghapusan."
    ),
    "Could not check what remains of the person's data: {detail}": (
        "Tidak dapat memeriksa sisa data orang itu: {detail}"
    ),
    # writing from the browser (issue 13: keys on this device, signing in with a key, the forms)
    "Keys": "Kunci",
    "Write": "Tulis",
    "Signed in with the key of": "Masuk dengan kunci",
    "Sign out": "Keluar",
    "This key's role may not see this page.": "Peran kunci ini tidak boleh melihat halaman ini.",
    "A key of role {role} may not use this form.": "Kunci berperan {role} tidak boleh memakai formulir ini.",
    "A name for the key on this device": "Nama kunci di perangkat ini",
    "A new key on this device": "Kunci baru di perangkat ini",
    "Also save a backup, encrypted with a passphrase (the command line reads it: integritas keys import)": (
        "Simpan juga cadangan, dienkripsi dengan frasa sandi (dibaca baris perintah: integritas keys import)"
    ),
    "Backup passphrase (at least 12 characters)": "Frasa sandi cadangan (paling sedikit 12 karakter)",
    "Choose a key this device holds: the page signs the server's challenge with it. "
    "The key must be registered in the log and not revoked.": (
        "Pilih kunci yang disimpan perangkat ini: halaman menandatangani tantangan server dengannya. "
        "Kunci harus terdaftar di log dan tidak dicabut."
    ),
    "Download the backup": "Unduh cadangan",
    "Exactly what will be signed": "Persis yang akan ditandatangani",
    "In the log": "Di log",
    "Keys on this device": "Kunci di perangkat ini",
    "Make a key": "Buat kunci",
    "Make the key": "Buat kuncinya",
    "Or a batch: a roster CSV (columns number,name; read in this page, never uploaded)": (
        "Atau sekaligus: daftar pegawai CSV (kolom number,name; dibaca di halaman ini, tidak diunggah)"
    ),
    "Public key (base64)": "Kunci publik (base64)",
    "QR code of the fingerprint": "Kode QR sidik jari",
    "Show this fingerprint to the administrator who registers your key, and give them the public key. "
    "They compare the fingerprint their form computes with this one.": (
        "Tunjukkan sidik jari ini kepada administrator yang mendaftarkan kunci Anda, dan berikan kunci "
        "publiknya. Ia membandingkan sidik jari yang dihitung formulirnya dengan yang ini."
    ),
    "Show what will be signed": "Tampilkan yang akan ditandatangani",
    "Sign in with a key to write: the forms below sign with a key this device holds.": (
        "Masuk dengan kunci untuk menulis: formulir di bawah menandatangani dengan kunci di perangkat ini."
    ),
    "Sign in with a key": "Masuk dengan kunci",
    "Sign in": "Masuk",
    "Sign with this device's key and send": "Tandatangani dengan kunci perangkat ini dan kirim",
    "Signed in with the key of {name} ({role}).": "Masuk dengan kunci {name} ({role}).",
    "The forms a key of role {role} may use. Each shows exactly what will be signed, signs it in this "
    "browser and checks the log's receipt.": (
        "Formulir yang boleh dipakai kunci berperan {role}. Masing-masing menampilkan persis yang akan "
        "ditandatangani, menandatanganinya di peramban ini dan memeriksa tanda terima log."
    ),
    "The keys this browser holds. Their private keys never leave it. A lost device's key is revoked by "
    "the administrator with a key.revoked entry; a key can also revoke itself.": (
        "Kunci yang disimpan peramban ini. Kunci privatnya tidak pernah keluar darinya. Kunci perangkat "
        "yang hilang dicabut administrator dengan entri key.revoked; kunci juga dapat mencabut dirinya sendiri."
    ),
    "The passphrase again": "Frasa sandi sekali lagi",
    "The signing input: the line integritas/entry/v1, then the entry's canonical JSON (RFC 8785).": (
        "Masukan tanda tangan: baris integritas/entry/v1, lalu JSON kanonis entri (RFC 8785)."
    ),
    "This browser holds no key yet.": "Peramban ini belum menyimpan kunci.",
    "This browser makes an Ed25519 key pair and keeps it on this device only. Its private key cannot be "
    "copied out of the browser, not even by this page: it signs here.": (
        "Peramban ini membuat pasangan kunci Ed25519 dan menyimpannya hanya di perangkat ini. Kunci "
        "privatnya tidak dapat disalin keluar dari peramban, bahkan oleh halaman ini: ia menandatangani di sini."
    ),
    "Write to the log": "Tulis ke log",
    "Your key's fingerprint": "Sidik jari kunci Anda",
    "optional": "opsional",
    "Download the evidence manifest (keep it: with it, each document can be proved later)": (
        "Unduh manifes bukti (simpan: dengannya setiap dokumen dapat dibuktikan kemudian)"
    ),
    # the scripts' words (WRITE_WORDS below)
    "The key is made and kept on this device.": "Kunci dibuat dan disimpan di perangkat ini.",
    "The passphrase needs at least 12 characters.": "Frasa sandi paling sedikit 12 karakter.",
    "The two passphrases differ.": "Kedua frasa sandi berbeda.",
    "This browser cannot make Ed25519 keys (WebCrypto Ed25519 is needed).": (
        "Peramban ini tidak dapat membuat kunci Ed25519 (perlu WebCrypto Ed25519)."
    ),
    "not registered yet": "belum terdaftar",
    "registered ({role})": "terdaftar ({role})",
    "REVOKED: delete it from this device": "DICABUT: hapus dari perangkat ini",
    "Delete from this device": "Hapus dari perangkat ini",
    "Delete this key from this device? Only a backup can bring it back.": (
        "Hapus kunci ini dari perangkat ini? Hanya cadangan yang dapat mengembalikannya."
    ),
    "The key was deleted from this device.": "Kunci dihapus dari perangkat ini.",
    "This browser holds no key: make one first.": "Peramban ini tidak menyimpan kunci: buat dahulu.",
    "Signed in.": "Berhasil masuk.",
    "Signing in failed: {detail}": "Gagal masuk: {detail}",
    "Failed: {detail}": "Gagal: {detail}",
    "Required.": "Wajib diisi.",
    "Not a valid value.": "Nilai tidak sah.",
    "The stream moved on since this form read its head: show what will be signed again, and sign again.": (
        "Aliran sudah bertambah sejak formulir ini membaca ujungnya: tampilkan lagi yang akan "
        "ditandatangani, lalu tandatangani lagi."
    ),
    "Refused by the rules: {message}": "Ditolak oleh aturan: {message}",
    "Sign in with a key first.": "Masuk dengan kunci dahulu.",
    "The roster's first line names its columns: number,name.": "Baris pertama daftar menamai kolomnya: number,name.",
    "Roster line {row}: a number (id) and a name are needed.": "Baris daftar {row}: perlu nomor (id) dan nama.",
    "Fingerprint of this public key: {fingerprint}. Compare it with the one its holder shows.": (
        "Sidik jari kunci publik ini: {fingerprint}. Bandingkan dengan yang ditunjukkan pemegangnya."
    ),
    "In the log at index {index}: the receipt's inclusion proof leads to the root {root} of the "
    "checkpoint of size {size}, signed by the log's key. Checked in this browser.": (
        "Tercatat di log pada indeks {index}: bukti inklusi tanda terima mengarah ke akar {root} dari "
        "checkpoint berukuran {size} yang ditandatangani kunci log. Diperiksa di peramban ini."
    ),
    "The receipt did not verify: {detail}": "Tanda terima tidak lolos verifikasi: {detail}",
    "the receipt's leaf hash is not the hash of what was signed": (
        "hash daun tanda terima bukan hash yang ditandatangani"
    ),
    "the receipt's tree size is not its checkpoint's": "ukuran pohon tanda terima bukan ukuran checkpoint-nya",
    "the inclusion proof does not lead to the checkpoint's root": "bukti inklusi tidak mengarah ke akar checkpoint",
}


# The words of the writing pages' scripts (static/keys.js, signin.js, writer.js), by key: rendered into
# the page in its language (api.web.pages.writes), translated above.
WRITE_WORDS = {
    "key_made": "The key is made and kept on this device.",
    "passphrase_short": "The passphrase needs at least 12 characters.",
    "passphrase_mismatch": "The two passphrases differ.",
    "no_webcrypto": "This browser cannot make Ed25519 keys (WebCrypto Ed25519 is needed).",
    "status_unregistered": "not registered yet",
    "status_registered": "registered ({role})",
    "status_revoked": "REVOKED: delete it from this device",
    "delete": "Delete from this device",
    "delete_confirm": "Delete this key from this device? Only a backup can bring it back.",
    "deleted": "The key was deleted from this device.",
    "no_keys": "This browser holds no key: make one first.",
    "signed_in": "Signed in.",
    "signin_failed": "Signing in failed: {detail}",
    "failed": "Failed: {detail}",
    "required": "Required.",
    "invalid_value": "Not a valid value.",
    "stale": "The stream moved on since this form read its head: show what will be signed again, and sign again.",
    "refused": "Refused by the rules: {message}",
    "not_signed_in": "Sign in with a key first.",
    "roster_header": "The roster's first line names its columns: number,name.",
    "roster_row": "Roster line {row}: a number (id) and a name are needed.",
    "fingerprint_computed": "Fingerprint of this public key: {fingerprint}. Compare it with the one its holder shows.",
    "receipt_ok": "In the log at index {index}: the receipt's inclusion proof leads to the root {root} of the "
    "checkpoint of size {size}, signed by the log's key. Checked in this browser.",
    "receipt_bad": "The receipt did not verify: {detail}",
    "receipt_leaf_mismatch": "the receipt's leaf hash is not the hash of what was signed",
    "receipt_size_mismatch": "the receipt's tree size is not its checkpoint's",
    "receipt_root_mismatch": "the inclusion proof does not lead to the checkpoint's root",
    "record_link": "Record {index}",
    # the edition-3 person forms (issue 15, pd-forms)
    "person_new": "{person} is a new person: {who}. The name, number and salt go beside the entry to the "
    "personal-data store, never into the log.",
    "person_held": "{person} is {who}, already held by the personal-data store: the entry carries its logged "
    "commitment; no personal data is sent.",
    "person_own": "{person} is you, your key's holder: no personal data is sent.",
    "person_twice": "Employee number {number} is twice in this batch: one person, one pact.",
    "person_name_differs": "employee number {number} is held under another name: check the name (nothing was "
    "recorded, nothing signed).",
    # the erasure form (issue 15, pd-admin; static/erasure.js)
    "person_found": "Found: {name}, employee number {number}, pseudonym {person} (this look-up was recorded). "
    "Check that this is the person whose data is to be erased.",
    "person_found_no_number": "Found: {name}, pseudonym {person} (this look-up was recorded). "
    "Check that this is the person whose data is to be erased.",
    "person_found_no_data": (
        "Pseudonym {person}: the log names this person, but no personal data is held for them here."
    ),
    "person_unknown": "No personal data is held for that pseudonym or employee number.",
    "person_erased_already": "The personal data of {person} was erased already (record {index}).",
    "erasure_done": "Erased: the log holds the erasure of {person} at record {index}, and this ledger no longer "
    "holds their name or number: the row is deleted from the personal-data store, the file rebuilt and its "
    "write-ahead log emptied, and the {exports} registered auditor export(s) rewritten without it.",
    "erasure_unfinished": "The erasure of {person} is in the log (record {index}), but this ledger still holds "
    "some of their data (the personal-data store, or {exports} auditor export(s)). Send the same entry again, "
    "or restart the server: either finishes the deletion.",
    "erasure_check_failed": "Could not check what remains of the person's data: {detail}",
}


def _with_catalog_words(messages: dict[str, str]) -> dict[str, str]:
    """The messages and the catalog's words, each translated in one place only."""
    words = catalog.words()
    twice = sorted(set(messages) & set(words))
    if twice:
        raise ValueError(f"translated both here and in projections.catalog: {twice}")
    return {**messages, **words}


INDONESIAN = _with_catalog_words(MESSAGES)


LABELS: dict[str, dict[str, dict[str, str]]] = {
    "stage": {
        "id": {
            "registered": "Terdaftar",
            "declared": "Pencanangan",
            "building": "Pembangunan",
            "nominated": "Diusulkan",
            "designated": "Ditetapkan",
            "revoked": "Dicabut",
        },
        "en": {
            "registered": "Registered",
            "declared": "Declared",
            "building": "Building",
            "nominated": "Nominated",
            "designated": "Designated",
            "revoked": "Revoked",
        },
    },
    "predicate": {
        # The predicate's official name (PermenPANRB 90/2021: "Menuju WBK", "Menuju WBBM") in both
        # languages, as a title is not translated; the tracks toward them stay "WBK" and "WBBM".
        "id": {"none": "Belum ada", "wbk": "Menuju WBK", "wbbm": "Menuju WBBM"},
        "en": {"none": "None", "wbk": "Menuju WBK", "wbbm": "Menuju WBBM"},
    },
    "track": {"id": {"wbk": "WBK", "wbbm": "WBBM"}, "en": {"wbk": "WBK", "wbbm": "WBBM"}},
    "type": {
        "id": {
            "badan": "Badan",
            "dinas": "Dinas",
            "kantor": "Kantor",
            "kecamatan": "Kecamatan",
            "rsud": "RSUD",
            "bagian": "Bagian",
            "puskesmas": "Puskesmas",
            "other": "Lainnya",
        },
        "en": {
            "badan": "Agency (badan)",
            "dinas": "Office (dinas)",
            "kantor": "Bureau (kantor)",
            "kecamatan": "Sub-district",
            "rsud": "Regional hospital",
            "bagian": "Section (bagian)",
            "puskesmas": "Community health centre (puskesmas)",
            "other": "Other",
        },
    },
    "role": {
        "id": {
            "administrator": "Administrator (tim RB)",
            "regent": "Bupati",
            "unit_head": "Kepala unit",
            "employee": "Pegawai",
            "pact_registrar": "Pencatat pakta",
            "witness": "Saksi",
            "internal_assessor": "TPI (Inspektorat)",
            "national_assessor": "TPN (KemenPANRB)",
            "minister": "Menteri PANRB",
            "national_authority": "KemenPANRB",
            "overseer": "Pengawas",
            "auditor": "Auditor",
            "operator": "Operator",
        },
        "en": {
            "administrator": "Administrator (reform team)",
            "regent": "Regent (Bupati)",
            "unit_head": "Unit head",
            "employee": "Employee",
            "pact_registrar": "Pact registrar",
            "witness": "Witness",
            "internal_assessor": "Internal assessor (TPI)",
            "national_assessor": "National assessor (TPN)",
            "minister": "Minister",
            "national_authority": "National authority (KemenPANRB)",
            "overseer": "Overseer",
            "auditor": "Auditor",
            "operator": "Operator",
        },
    },
    "kind": {
        "id": {
            "ledger.genesis": "Genesis buku besar",
            "policy.set": "Kebijakan ditetapkan",
            "key.registered": "Kunci didaftarkan",
            "key.revoked": "Kunci dicabut",
            "unit.registered": "Unit didaftarkan",
            "unit.headcount_set": "Jumlah pegawai diubah",
            "stage.advanced": "Tahap berubah",
            "assessment.reviewed": "Penilaian",
            "remediation.completed": "Perbaikan selesai",
            "pact.signed": "Pakta integritas ditandatangani",
            "pact.released": "Pakta dilepas",
            "declaration.witnessed": "Pencanangan disaksikan",
            "oversight.noted": "Catatan pengawasan",
            "cycle.opened": "Siklus dibuka",
            "screening.recorded": "Seleksi administrasi",
            "appeal.filed": "Sanggah diajukan",
            "appeal.decided": "Sanggah diputus",
            "predicate.revoked": "Predikat dicabut",
            "monitoring.recorded": "Pemantauan",
            "case.opened": "Perkara dibuka",
            "case.advanced": "Perkara naik tahap",
            "case.closed": "Perkara ditutup",
            "log_key.added": "Kunci log ditambahkan",
            "log_key.retired": "Kunci log dipensiunkan",
            "root.rotated": "Kunci akar diserahterimakan",
        },
        "en": {
            "ledger.genesis": "Ledger genesis",
            "policy.set": "Policy set",
            "key.registered": "Key registered",
            "key.revoked": "Key revoked",
            "unit.registered": "Unit registered",
            "unit.headcount_set": "Headcount set",
            "stage.advanced": "Stage changed",
            "assessment.reviewed": "Assessment",
            "remediation.completed": "Remediation completed",
            "pact.signed": "Integrity pact signed",
            "pact.released": "Pact released",
            "declaration.witnessed": "Declaration witnessed",
            "oversight.noted": "Oversight note",
            "cycle.opened": "Cycle opened",
            "screening.recorded": "Administrative screening",
            "appeal.filed": "Appeal filed (sanggah)",
            "appeal.decided": "Appeal decided",
            "predicate.revoked": "Predicate revoked",
            "monitoring.recorded": "Monitoring",
            "case.opened": "Case opened",
            "case.advanced": "Case advanced",
            "case.closed": "Case closed",
            "log_key.added": "Log key added",
            "log_key.retired": "Log key retired",
            "root.rotated": "Root key handed over",
        },
    },
    "office": {
        "id": {
            "regent": "Bupati",
            "parliament_chair": "Ketua DPRD",
            "district_prosecutor": "Kepala Kejaksaan Negeri",
            "district_police_chief": "Kapolres",
            "military_district_commander": "Dandim",
            "district_court_chief": "Ketua Pengadilan Negeri",
            "battalion_commander": "Danyon",
        },
        "en": {
            "regent": "Regent",
            "parliament_chair": "Chair of the regional parliament",
            "district_prosecutor": "District prosecutor (Kajari)",
            "district_police_chief": "District police chief (Kapolres)",
            "military_district_commander": "Military district commander",
            "district_court_chief": "Head of the district court",
            "battalion_commander": "Battalion commander",
        },
    },
    "topic": {
        "id": {
            "accompaniment": "Pendampingan",
            "finding": "Temuan",
            "case_opened": "Perkara dibuka",
            "case_closed": "Perkara ditutup",
        },
        "en": {
            "accompaniment": "Accompaniment",
            "finding": "Finding",
            "case_opened": "Case opened",
            "case_closed": "Case closed",
        },
    },
    "area": {
        "id": {
            "change_management": "Manajemen perubahan",
            "business_process": "Penataan tata laksana",
            "hr_management": "Penataan manajemen SDM",
            "accountability": "Akuntabilitas kinerja",
            "oversight": "Penguatan pengawasan",
            "public_service": "Kualitas pelayanan publik",
            "ipak": "IPAK",
            "performance": "Capaian kinerja",
            "tlhp": "TLHP (tindak lanjut hasil pemeriksaan)",
            "ipkp": "IPKP",
        },
        "en": {
            "change_management": "Change management",
            "business_process": "Business process",
            "hr_management": "HR management",
            "accountability": "Performance accountability",
            "oversight": "Oversight",
            "public_service": "Public service quality",
            "ipak": "IPAK",
            "performance": "Performance achievement",
            "tlhp": "TLHP (follow-up of audit findings)",
            "ipkp": "IPKP",
        },
    },
    "level": {
        "id": {"internal": "Internal (TPI)", "national": "Nasional (TPN)"},
        "en": {"internal": "Internal (TPI)", "national": "National (TPN)"},
    },
    "step": {
        "id": {
            "lke": "LKE",
            "screening": "Seleksi administrasi",
            "desk": "Desk evaluasi",
            "field": "Evaluasi lapangan",
        },
        "en": {"lke": "LKE", "screening": "Screening", "desk": "Desk evaluation", "field": "Field evaluation"},
    },
    "outcome": {
        "id": {
            "passed": "Lulus",
            "passed_with_notes": "Lulus dengan catatan",
            "failed": "Tidak lulus",
            "granted": "Diterima",
            "rejected": "Ditolak",
            "maintained": "Terjaga",
            "concerns": "Ada catatan",
        },
        "en": {
            "passed": "Passed",
            "passed_with_notes": "Passed with notes",
            "failed": "Failed",
            "granted": "Granted",
            "rejected": "Rejected",
            "maintained": "Maintained",
            "concerns": "Concerns",
        },
    },
    # rules edition 2 (docs/design/rules-edition-2.md)
    "ground": {
        "id": {
            "suspect_named": "Ditetapkan sebagai tersangka",
            "caught_red_handed": "Operasi tangkap tangan",
            "maladministration": "Maladministrasi",
            "public_report": "Pengaduan masyarakat",
            "other": "Lainnya",
        },
        "en": {
            "suspect_named": "Suspect named",
            "caught_red_handed": "Caught red-handed",
            "maladministration": "Maladministration",
            "public_report": "Public report",
            "other": "Other",
        },
    },
    "case_stage": {
        "id": {"inquiry": "Penyelidikan", "investigation": "Penyidikan", "prosecution": "Penuntutan"},
        "en": {"inquiry": "Inquiry", "investigation": "Investigation", "prosecution": "Prosecution"},
    },
    "concerns": {
        "id": {"unit": "Unit", "unit_head": "Kepala unit", "employee": "Pegawai", "official": "Pejabat"},
        "en": {"unit": "The unit", "unit_head": "Unit head", "employee": "An employee", "official": "An official"},
    },
    "case_outcome": {
        "id": {
            "stopped": "Dihentikan",
            "referred": "Dilimpahkan",
            "convicted": "Terpidana",
            "acquitted": "Bebas",
            "other": "Lainnya",
        },
        "en": {
            "stopped": "Stopped",
            "referred": "Referred",
            "convicted": "Convicted",
            "acquitted": "Acquitted",
            "other": "Other",
        },
    },
    "proposal": {
        "id": {
            "designated": "Ditetapkan",
            "returned": "Dikembalikan",
            "proposed_again": "Diusulkan lagi",
            "revoked": "Predikat dicabut",
            "lapsed": "Gugur",
            "pending": "Dalam proses",
        },
        "en": {
            "designated": "Designated",
            "returned": "Returned",
            "proposed_again": "Proposed again",
            "revoked": "Predicate revoked",
            "lapsed": "Lapsed",
            "pending": "Pending",
        },
    },
    "act": {
        "id": {"designation": "Penetapan", "revocation": "Pencabutan"},
        "en": {"designation": "Designation", "revocation": "Revocation"},
    },
    "occasion": {
        "id": {
            "declaration": "Pencanangan",
            "unit_ceremony": "Upacara unit",
            "appointment": "Pengangkatan",
            "transfer": "Mutasi",
            "yearly": "Penandatanganan tahunan",
        },
        "en": {
            "declaration": "Declaration",
            "unit_ceremony": "Unit ceremony",
            "appointment": "Appointment",
            "transfer": "Transfer",
            "yearly": "Yearly re-signing",
        },
    },
    "reason": {
        "id": {"transfer": "Mutasi", "retired": "Pensiun", "other": "Lainnya"},
        "en": {"transfer": "Transfer", "retired": "Retired", "other": "Other"},
    },
    "sort": {
        "id": {
            "unit": "Kode unit",
            "name": "Nama",
            "type": "Jenis",
            "progress": "Tahap",
            "predicate": "Predikat",
            "coverage": "Cakupan pakta",
        },
        "en": {
            "unit": "Unit id",
            "name": "Name",
            "type": "Type",
            "progress": "Stage",
            "predicate": "Predicate",
            "coverage": "Pact coverage",
        },
    },
}


# pd-rights (issue 15): the label of a rectification of personal data (UU 27/2022 art. 6)
LABELS["kind"]["id"].setdefault("personal_data.rectified", "Data pribadi diperbaiki")
LABELS["kind"]["en"].setdefault("personal_data.rectified", "Personal data rectified")


# Parameters of the rules' messages (ledger.rules.messages) that are decimals of the ledger, shown
# with the language's decimal mark; `area` is shown by its label.
DECIMAL_PARAMS = frozenset({"score", "needed", "share", "weight", "minimum"})


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Translator:
    """Messages, labels and formats in one language; templates call it as `_` and `t`."""

    lang: str

    def gettext(self, message: str, **values: object) -> str:
        text = INDONESIAN.get(message, message) if self.lang == "id" else message
        return text.format(**values) if values else text

    def label(self, category: str, value: object) -> str:
        """The word for an identifier of the ledger (a stage, role, kind…); the identifier if unknown."""
        if value is None:
            return "–"
        return LABELS[category][self.lang].get(str(value), str(value))

    def choices(self, category: str) -> list[tuple[str, str]]:
        return list(LABELS[category][self.lang].items())

    def day(self, value: str | date | None) -> str:
        """A date: "8 Juli 2020" / "8 July 2020"; a time is first brought to WIB."""
        if value is None or value == "":
            return "–"
        if isinstance(value, str):
            value = _parse_time(value).astimezone(WIB).date() if "T" in value else date.fromisoformat(value)
        return f"{value.day} {MONTHS[self.lang][value.month - 1]} {value.year}"

    def when(self, value: str | None) -> str:
        """A time of the ledger (UTC) in WIB: "8 Juli 2020 09.15 WIB" / "8 July 2020, 09:15 WIB"."""
        if not value:
            return "–"
        moment = _parse_time(value).astimezone(WIB)
        day = self.day(moment.date())
        if self.lang == "id":
            return f"{day} {moment:%H.%M} WIB"
        return f"{day}, {moment:%H:%M} WIB"

    def check(self, sentence: str) -> str:
        """A failing threshold check of the rules in words: "IPKP 11,06 di bawah 14,00".

        The views keep each check as the rules' English sentence; the rules read it back into its
        code and parameters (`parse_failing_check`), and the page renders those in its language.
        """
        check = parse_failing_check(sentence)
        if check is None:
            return sentence
        return self.message(check.code, check.params)

    def message(self, reason: str, params: Mapping[str, Any]) -> str:
        """A message of the rules' catalogue (a refusal's `reason` and `params`, a failing check's
        `code` and `params`) in this language, its parameters shown as the pages show them."""
        return render(reason, {name: self._param(name, value) for name, value in params.items()}, self.lang)

    def _param(self, name: str, value: Any) -> Any:
        if name == "area":
            return self.gettext("Total") if value == "total" else self.label("area", value)
        if name in DECIMAL_PARAMS and isinstance(value, str):
            return self.dec(value)
        if isinstance(value, list):  # nested messages (failing checks), rendered here in this language
            return [self.message(item["code"], item["params"]) if isinstance(item, Mapping) else item for item in value]
        return value

    def num(self, value: int | None) -> str:
        """An integer with thousands separators: 4.681 / 4,681."""
        if value is None:
            return "–"
        text = f"{value:,}"
        return text.replace(",", ".") if self.lang == "id" else text

    def dec(self, value: str | None) -> str:
        """A decimal string of the ledger ("89.71") with the language's decimal mark."""
        if value is None:
            return "–"
        return value.replace(".", ",") if self.lang == "id" else value

    def pct(self, ratio: str | Decimal | None) -> str:
        """A ratio ("0.9783") as a percentage with one decimal: 97,8% / 97.8%."""
        if ratio is None:
            return "–"
        try:
            value = (Decimal(ratio) * 100).quantize(Decimal("0.1"))
        except InvalidOperation:
            return str(ratio)
        return self.dec(f"{value}%")
