// evidencetree computes the Merkle root of an evidence manifest and the inclusion proof of every
// document with golang.org/x/mod/sumdb/tlog (Debian package golang-golang-x-mod-dev), an RFC 6962
// implementation that is not ours: the record hashed into each leaf is the document's 32-byte SHA-256
// digest, as docs/design/rules-edition-2.md ("Evidence") says.
//
// Usage: evidencetree MANIFEST_FILE; prints {"root": base64, "count": n, "proofs": [[base64, ...], ...]}
// (proof hashes lowest first, as RFC 9162 §2.1.3.1 lists them), or an error and exit status 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: evidencetree MANIFEST_FILE")
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		return err
	}
	var manifest struct {
		Documents []string `json:"documents"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return err
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			out[i] = stored[index]
		}
		return out, nil
	})
	for i, text := range manifest.Documents {
		digest, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return err
		}
		hashes, err := tlog.StoredHashes(int64(i), digest, reader)
		if err != nil {
			return err
		}
		stored = append(stored, hashes...)
	}
	n := int64(len(manifest.Documents))
	root, err := tlog.TreeHash(n, reader)
	if err != nil {
		return err
	}
	proofs := make([][]string, n)
	for i := int64(0); i < n; i++ {
		proof, err := tlog.ProveRecord(n, i, reader)
		if err != nil {
			return err
		}
		proofs[i] = []string{}
		for _, h := range proof {
			proofs[i] = append(proofs[i], base64.StdEncoding.EncodeToString(h[:]))
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"root":   base64.StdEncoding.EncodeToString(root[:]),
		"count":  n,
		"proofs": proofs,
	})
}
