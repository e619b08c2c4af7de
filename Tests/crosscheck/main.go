// Command crosscheck checks PacSpace's Merkle proofs and signed notes with Go's
// golang.org/x/mod/sumdb/tlog and sumdb/note, the independent reference verifiers.
//
//	crosscheck verify FILE    verify vectors PacSpace produced; exit 1 on any disagreement
//	crosscheck generate N     print vectors for N leaves produced by Go, for PacSpace to check
//	crosscheck verify-log FILE  verify what a running PacSpace server published: signed
//	                            checkpoints, inclusion and consistency proofs, receipts
//	crosscheck verify-tiles FILE  read a running server's log as C2SP tlog-tiles with tlog's
//	                            own tile reader ({prefix, verifierKey, leaves}): the tiles must
//	                            make the signed checkpoint's root and prove every leaf in it
//
// Leaf i's data is the UTF-8 text "pacspace leaf <i>" on both sides.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	case "verify-log":
		verifyLog(os.Args[2])
	case "verify-tiles":
		verifyTiles(os.Args[2])
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

// logVectors is what a running server published for one log.
type logVectors struct {
	VerifierKey string        `json:"verifierKey"`
	Leaves      []string      `json:"leaves"` // leaf data of entries 0…n-1
	Checkpoints []string      `json:"checkpoints"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
	Receipts    []string      `json:"receipts"` // C2SP tlog-proof texts, one per leaf
}

func verifyLog(file string) {
	raw, err := os.ReadFile(file)
	must(err)
	var v logVectors
	must(json.Unmarshal(raw, &v))
	verifier, err := note.NewVerifier(v.VerifierKey)
	must(err)
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		fmt.Fprintf(os.Stderr, "DISAGREE: "+format+"\n", args...)
	}
	roots := map[int64]tlog.Hash{}
	openCheckpoint := func(text string) (int64, tlog.Hash, bool) {
		n, err := note.Open([]byte(text), note.VerifierList(verifier))
		if err != nil {
			fail("checkpoint does not verify: %v", err)
			return 0, tlog.Hash{}, false
		}
		lines := strings.Split(n.Text, "\n")
		size, err := strconv.ParseInt(lines[1], 10, 64)
		root := hashes([]string{lines[2]})[0]
		if lines[0] != verifier.Name() || err != nil {
			fail("checkpoint body is not origin/size/root: %q", n.Text)
			return 0, tlog.Hash{}, false
		}
		return size, root, true
	}
	for _, text := range v.Checkpoints {
		if size, root, ok := openCheckpoint(text); ok {
			roots[size] = root
		}
	}
	// The leaves themselves give the roots the checkpoints must carry.
	r := treeOf(v.Leaves)
	for size, root := range roots {
		if h, err := tlog.TreeHash(size, r); err != nil || h != root {
			fail("signed root of size %d is not the tree of the published leaves", size)
		}
	}
	for _, p := range v.Inclusion {
		if err := tlog.CheckRecord(hashes(p.Proof), p.Size, roots[p.Size], p.Index, tlog.RecordHash([]byte(v.Leaves[p.Index]))); err != nil {
			fail("inclusion of %d in %d: %v", p.Index, p.Size, err)
		}
	}
	for _, p := range v.Consistency {
		if err := tlog.CheckTree(hashes(p.Proof), p.New, roots[p.New], p.Old, roots[p.Old]); err != nil {
			fail("consistency %d → %d: %v", p.Old, p.New, err)
		}
	}
	for i, text := range v.Receipts {
		// c2sp.org/tlog-proof@v1, [extra], index N, hashes, blank line, signed checkpoint.
		head, checkpoint, found := strings.Cut(text, "\n\n")
		lines := strings.Split(head, "\n")
		if !found || lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "index ") {
			fail("receipt %d is not a tlog-proof", i)
			continue
		}
		index, _ := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "), 10, 64)
		size, root, ok := openCheckpoint(checkpoint)
		if !ok {
			continue
		}
		if err := tlog.CheckRecord(hashes(lines[2:]), size, root, index, tlog.RecordHash([]byte(v.Leaves[index]))); err != nil || index != int64(i) {
			fail("receipt %d does not prove its leaf: %v", i, err)
		}
	}
	fmt.Printf("go crosscheck (server): %d checkpoints, %d inclusion proofs, %d consistency proofs, %d receipts checked, %d disagreements\n",
		len(v.Checkpoints), len(v.Inclusion), len(v.Consistency), len(v.Receipts), failures)
	if failures > 0 {
		os.Exit(1)
	}
}

// treeOf builds the stored hashes of the given leaves.
func treeOf(leaves []string) tlog.HashReaderFunc {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, leaf := range leaves {
		h, err := tlog.StoredHashes(int64(i), []byte(leaf), reader)
		must(err)
		stored = append(stored, h...)
	}
	return reader
}

type tileVectors struct {
	Prefix      string   `json:"prefix"`
	VerifierKey string   `json:"verifierKey"`
	Leaves      []string `json:"leaves"`
}

// httpTiles reads tiles from a tlog-tiles prefix. tlog names a tile tile/8/<L>/<N>[.p/<W>]
// (its height first); tlog-tiles drops the height, which is always 8 (the spec's appendix).
type httpTiles struct {
	prefix  string
	fetched int
}

func (t *httpTiles) Height() int { return 8 }

func (t *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, tile := range tiles {
		path := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		response, err := http.Get(t.prefix + "/" + path)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(response.Body)
		response.Body.Close()
		if err != nil {
			return nil, err
		}
		if response.StatusCode != 200 {
			return nil, fmt.Errorf("%s: HTTP %d", path, response.StatusCode)
		}
		t.fetched++
		data[i] = body
	}
	return data, nil
}

func (t *httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func verifyTiles(file string) {
	raw, err := os.ReadFile(file)
	must(err)
	var v tileVectors
	must(json.Unmarshal(raw, &v))
	verifier, err := note.NewVerifier(v.VerifierKey)
	must(err)
	response, err := http.Get(v.Prefix + "/checkpoint")
	must(err)
	text, err := io.ReadAll(response.Body)
	must(err)
	n, err := note.Open(text, note.VerifierList(verifier))
	must(err)
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	must(err)
	tree := tlog.Tree{N: size, Hash: hashes([]string{lines[2]})[0]}
	reader := &httpTiles{prefix: v.Prefix}
	hashReader := tlog.TileHashReader(tree, reader)
	failures := 0
	if root, err := tlog.TreeHash(size, hashReader); err != nil || root != tree.Hash {
		failures++
		fmt.Fprintf(os.Stderr, "DISAGREE: the tiles do not make the signed root: %v\n", err)
	}
	for i := int64(0); i < size && i < int64(len(v.Leaves)); i++ {
		leaf := []byte(v.Leaves[i])
		proof, err := tlog.ProveRecord(size, i, hashReader)
		if err == nil {
			err = tlog.CheckRecord(proof, size, tree.Hash, i, tlog.RecordHash(leaf))
		}
		if err != nil {
			failures++
			fmt.Fprintf(os.Stderr, "DISAGREE: leaf %d is not proved by the tiles: %v\n", i, err)
		}
	}
	fmt.Printf("crosscheck: tree of %d leaves read from %d tiles; %d leaves proved; %d disagreements\n", size, reader.fetched, len(v.Leaves), failures)
	if failures > 0 {
		os.Exit(1)
	}
}
