// Command crosscheck checks PacSpace's Merkle proofs and signed notes with Go's
// golang.org/x/mod/sumdb/tlog and sumdb/note, the independent reference verifiers.
//
//	crosscheck verify FILE    verify vectors PacSpace produced; exit 1 on any disagreement
//	crosscheck generate N     print vectors for N leaves produced by Go, for PacSpace to check
//
// Leaf i's data is the UTF-8 text "pacspace leaf <i>" on both sides.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Proof []string `json:"proof"`
}

type consistency struct {
	Old   int64    `json:"old"`
	New   int64    `json:"new"`
	Proof []string `json:"proof"`
}

type vectors struct {
	Leaves      int64             `json:"leaves"`
	Roots       map[string]string `json:"roots"`
	Inclusion   []inclusion       `json:"inclusion"`
	Consistency []consistency     `json:"consistency"`
	SignerKey   string            `json:"signerKey,omitempty"`
	VerifierKey string            `json:"verifierKey"`
	Notes       []string          `json:"notes"`
}

func leaf(i int64) []byte { return []byte(fmt.Sprintf("pacspace leaf %d", i)) }

// tree builds the stored hashes of n leaves, tlog's way.
func tree(n int64) tlog.HashReaderFunc {
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i := int64(0); i < n; i++ {
		stored, err := tlog.StoredHashes(i, leaf(i), reader)
		must(err)
		hashes = append(hashes, stored...)
	}
	return reader
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		os.Exit(2)
	}
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func hashes(texts []string) []tlog.Hash {
	out := make([]tlog.Hash, len(texts))
	for i, t := range texts {
		raw, err := base64.StdEncoding.DecodeString(t)
		must(err)
		copy(out[i][:], raw)
	}
	return out
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: crosscheck verify FILE | crosscheck generate N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "verify":
		verify(os.Args[2])
	case "generate":
		n, err := strconv.ParseInt(os.Args[2], 10, 64)
		must(err)
		generate(n)
	}
}

func verify(file string) {
	raw, err := os.ReadFile(file)
	must(err)
	var v vectors
	must(json.Unmarshal(raw, &v))
	r := tree(v.Leaves)
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		fmt.Fprintf(os.Stderr, "DISAGREE: "+format+"\n", args...)
	}
	root := func(n int64) tlog.Hash {
		h, err := tlog.TreeHash(n, r)
		must(err)
		return h
	}
	for size, text := range v.Roots {
		n, _ := strconv.ParseInt(size, 10, 64)
		if b64(root(n)) != text {
			fail("root of %d leaves: pacspace %s, go %s", n, text, b64(root(n)))
		}
	}
	for _, p := range v.Inclusion {
		if err := tlog.CheckRecord(hashes(p.Proof), p.Size, root(p.Size), p.Index, tlog.RecordHash(leaf(p.Index))); err != nil {
			fail("inclusion of %d in %d: %v", p.Index, p.Size, err)
		}
	}
	for _, p := range v.Consistency {
		if err := tlog.CheckTree(hashes(p.Proof), p.New, root(p.New), p.Old, root(p.Old)); err != nil {
			fail("consistency %d → %d: %v", p.Old, p.New, err)
		}
	}
	verifier, err := note.NewVerifier(v.VerifierKey)
	must(err)
	for _, text := range v.Notes {
		n, err := note.Open([]byte(text), note.VerifierList(verifier))
		if err != nil {
			fail("note does not verify: %v\n%s", err, text)
			continue
		}
		lines := strings.Split(n.Text, "\n")
		size, _ := strconv.ParseInt(lines[1], 10, 64)
		if lines[0] != verifier.Name() || lines[2] != b64(root(size)) {
			fail("checkpoint body disagrees with go's tree of %d leaves:\n%s", size, n.Text)
		}
	}
	fmt.Printf("go crosscheck: %d roots, %d inclusion proofs, %d consistency proofs, %d signed notes checked, %d disagreements\n",
		len(v.Roots), len(v.Inclusion), len(v.Consistency), len(v.Notes), failures)
	if failures > 0 {
		os.Exit(1)
	}
}

func generate(n int64) {
	r := tree(n)
	v := vectors{Leaves: n, Roots: map[string]string{}}
	skey, vkey, err := note.GenerateKey(rand.Reader, "go.example/crosscheck/log")
	must(err)
	signer, err := note.NewSigner(skey)
	must(err)
	v.SignerKey, v.VerifierKey = skey, vkey
	for size := int64(1); size <= n; size++ {
		h, err := tlog.TreeHash(size, r)
		must(err)
		v.Roots[strconv.FormatInt(size, 10)] = b64(h)
		msg, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", signer.Name(), size, b64(h))}, signer)
		must(err)
		v.Notes = append(v.Notes, string(msg))
		for index := int64(0); index < size; index += 1 + size/7 {
			p, err := tlog.ProveRecord(size, index, r)
			must(err)
			v.Inclusion = append(v.Inclusion, inclusion{index, size, texts(p)})
		}
		for old := int64(1); old <= size; old += 1 + size/5 {
			p, err := tlog.ProveTree(size, old, r)
			must(err)
			v.Consistency = append(v.Consistency, consistency{old, size, texts(p)})
		}
	}
	out, err := json.Marshal(v)
	must(err)
	os.Stdout.Write(out)
}

func texts(proof []tlog.Hash) []string {
	out := make([]string, len(proof))
	for i, h := range proof {
		out[i] = b64(h)
	}
	return out
}
