// cosigcheck verifies a cosigned checkpoint with golang.org/x/mod/sumdb/note (Debian package
// golang-golang-x-mod-dev), an implementation of C2SP signed notes that is not ours.
//
// The log's signature (type 0x01) is checked by x/mod's own Ed25519 verifier. x/mod has no
// cosignature type, so the type 0x04 verifier below is a note.Verifier written from
// c2sp.org/tlog-cosignature alone: key ID = SHA-256(name || "\n" || 0x04 || key)[:4], signature =
// u64 big-endian timestamp || Ed25519 over "cosignature/v1\ntime <t>\n" || note text.
// x/mod's note.Open does the rest: it parses the note, matches signature lines to verifiers by
// name and key ID, ignores unknown keys and rejects the note if a known key's signature fails.
//
// Usage: cosigcheck NOTE_FILE LOG_VKEY [WITNESS_VKEY...]; prints "ok" and one line per verified
// signer, or an error and exit status 1.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosigV1 struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigV1) Name() string    { return v.name }
func (v *cosigV1) KeyHash() uint32 { return v.hash }
func (v *cosigV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > 1<<63-1 {
		return false
	}
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	return ed25519.Verify(v.key, signed, sig[8:])
}

func newCosigV1(vkey string) (*cosigV1, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("malformed cosigner vkey")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		return nil, errors.New("cosigner vkey is not type 0x04 Ed25519")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	id := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", id) != parts[1] {
		return nil, errors.New("cosigner vkey has the wrong key ID")
	}
	return &cosigV1{name: parts[0], hash: id, key: ed25519.PublicKey(raw[1:])}, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: cosigcheck NOTE_FILE LOG_VKEY [WITNESS_VKEY...]")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logVerifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "log vkey:", err)
		os.Exit(2)
	}
	verifiers := []note.Verifier{logVerifier}
	for _, vkey := range os.Args[3:] {
		v, err := newCosigV1(vkey)
		if err != nil {
			fmt.Fprintln(os.Stderr, "witness vkey:", err)
			os.Exit(2)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fmt.Fprintln(os.Stderr, "not verified:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
	for _, s := range n.Sigs {
		fmt.Printf("%s %08x\n", s.Name, s.Hash)
	}
}
