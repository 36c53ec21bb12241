package history

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sluicedata/sluice/lineage"
)

// AuditRecord is one gate decision in the audit trail. Records form a hash
// chain: Hash = sha256(PrevHash || canonical JSON of the record), in hex,
// where the canonical JSON holds every field but Hash and Signature (see
// Canonical). A signed record carries an Ed25519 signature of its hash.
type AuditRecord struct {
	// Seq is the position in the chain, from 1; set by AppendAudit.
	Seq int64 `json:"seq"`
	// Time of the decision; AppendAudit sets it to now when zero.
	Time  time.Time `json:"time"`
	RunID string    `json:"run_id"`
	// Dataset is the logical dataset name of the rule file.
	Dataset   string          `json:"dataset"`
	DatasetID lineage.Dataset `json:"dataset_id"`
	// DatasetVersion identifies the content checked (see DatasetVersion).
	DatasetVersion string `json:"dataset_version"`
	RuleFile       string `json:"rule_file"`
	// RuleFileHash is the sha256 of the rule file (see FileHash).
	RuleFileHash string `json:"rule_file_hash"`
	Owner        string `json:"owner"`
	// Decision is the gate status: pass, warn, fail or error.
	Decision string `json:"decision"`
	// Summary is a JSON object (see Summary); stored canonical.
	Summary json.RawMessage `json:"summary"`
	// Partition is the partition of the run decided ("" for none).
	Partition string `json:"partition,omitempty"`
	// MetricsDigest covers what the run left in the store: "sha256:<hex>"
	// of its runs row, metric values and states as stored (see
	// RunDigest). AppendAudit sets it when the store holds the run
	// (Dataset, RunID, Partition), else it is "".
	MetricsDigest string `json:"metrics_digest,omitempty"`
	// KeyID names the key that signed the record (KeyID of its public
	// key); "" when unsigned. Set by AppendAudit with SignWith.
	KeyID string `json:"key_id,omitempty"`
	// PrevHash and Hash chain the records; set by AppendAudit.
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
	// Signature is the Ed25519 signature of SignedMessage(Hash), base64;
	// "" when unsigned. It is outside the hash: the hash covers KeyID.
	Signature string `json:"signature,omitempty"`
}

// Anchor is an audit record as seen outside the store — in the
// sluice_audit run facet of a lineage event, or a JSON report — that
// VerifyAudit holds the store to (WithAnchors).
type Anchor struct {
	Seq       int64
	Hash      string
	Signature string // "" when not known
	// Source says where the anchor was found, for messages (e.g.
	// "lineage.ndjson:12").
	Source string
}

// Problem is one thing VerifyAudit found wrong.
type Problem struct {
	// Seq is the record concerned, 0 for a problem of no one record (a run
	// without an audit record).
	Seq    int64
	Reason string
}

func (p Problem) String() string { return p.Reason }

// AppendOption configures AppendAudit.
type AppendOption func(*appendConfig)

type appendConfig struct {
	signer crypto.Signer
}

// SignWith signs the appended record with s, an Ed25519 key
// (ed25519.PrivateKey, or a signer backed by a KMS or HSM whose Public is an
// ed25519.PublicKey): KeyID names its public key and Signature signs the
// record's hash.
func SignWith(s crypto.Signer) AppendOption { return func(c *appendConfig) { c.signer = s } }

// VerifyOption configures VerifyAudit.
type VerifyOption func(*verifyConfig)

type verifyConfig struct {
	keys       map[string]ed25519.PublicKey
	anchors    []Anchor
	signedFrom int64
}

// WithPublicKeys makes VerifyAudit demand that every record carry a valid
// signature by one of keys (the record's KeyID picks the key; several keys
// verify a trail across a key rotation).
func WithPublicKeys(keys ...ed25519.PublicKey) VerifyOption {
	return func(c *verifyConfig) {
		if c.keys == nil {
			c.keys = map[string]ed25519.PublicKey{}
		}
		for _, k := range keys {
			c.keys[KeyID(k)] = k
		}
	}
}

// WithSignedFrom lets the records before seq be unsigned under
// WithPublicKeys: a store that was written before signing was turned on.
// The chain still covers them: editing one changes the hash of record seq,
// whose signature then fails. Records from seq on must be signed.
func WithSignedFrom(seq int64) VerifyOption { return func(c *verifyConfig) { c.signedFrom = seq } }

// WithAnchors makes VerifyAudit demand that the store hold every anchor's
// record with the anchor's hash (and signature, when the anchor has one).
// Anchors kept outside the store detect the deletion of the last records
// and a rewrite of the chain even without a key.
func WithAnchors(anchors ...Anchor) VerifyOption {
	return func(c *verifyConfig) { c.anchors = append(c.anchors, anchors...) }
}

// Summary is the usual content of AuditRecord.Summary.
type Summary struct {
	RowsIn          int64    `json:"rows_in"`
	RowsClean       int64    `json:"rows_clean"`
	RowsQuarantined int64    `json:"rows_quarantined"`
	FailedRules     []string `json:"failed_rules"`
	WarnedRules     []string `json:"warned_rules,omitempty"`
}

// canonicalRecord fixes the field order of the hashed JSON.
type canonicalRecord struct {
	Seq            int64           `json:"seq"`
	Time           string          `json:"time"`
	RunID          string          `json:"run_id"`
	Dataset        string          `json:"dataset"`
	Namespace      string          `json:"namespace"`
	Name           string          `json:"name"`
	DatasetVersion string          `json:"dataset_version"`
	RuleFile       string          `json:"rule_file"`
	RuleFileHash   string          `json:"rule_file_hash"`
	Owner          string          `json:"owner"`
	Decision       string          `json:"decision"`
	Summary        json.RawMessage `json:"summary"`
	Partition      string          `json:"partition,omitempty"`
	MetricsDigest  string          `json:"metrics_digest,omitempty"`
	KeyID          string          `json:"key_id,omitempty"`
	PrevHash       string          `json:"prev_hash"`
}

// canonicalJSON rewrites a JSON document with sorted object keys and no
// white space; numbers keep their text. Empty input is null.
func canonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("history: audit summary: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("history: audit summary: more than one JSON value")
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("history: audit summary: %w", err)
	}
	return out, nil
}

// Canonical returns the bytes hashed for r: its fields but Hash and
// Signature as JSON with a fixed key order, the time in UTC with
// nanoseconds, the summary with sorted keys. Partition, MetricsDigest and
// KeyID are left out when empty, so records written before they existed
// keep their hashes.
func (r AuditRecord) Canonical() ([]byte, error) {
	sum, err := canonicalJSON(r.Summary)
	if err != nil {
		return nil, err
	}
	return json.Marshal(canonicalRecord{
		Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano), RunID: r.RunID,
		Dataset: r.Dataset, Namespace: r.DatasetID.Namespace, Name: r.DatasetID.Name,
		DatasetVersion: r.DatasetVersion, RuleFile: r.RuleFile, RuleFileHash: r.RuleFileHash,
		Owner: r.Owner, Decision: r.Decision, Summary: sum,
		Partition: r.Partition, MetricsDigest: r.MetricsDigest, KeyID: r.KeyID, PrevHash: r.PrevHash,
	})
}

// ComputeHash returns sha256(PrevHash || Canonical()) in hex.
func (r AuditRecord) ComputeHash() (string, error) {
	c, err := r.Canonical()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrNoVersion is returned by DatasetVersion for an input that is not a
// regular file or a directory (a pipe, a device): it has no content
// version that can be taken without consuming it.
var ErrNoVersion = errors.New("not a regular file: no content version")

// DefaultHashLimit is the largest file DatasetVersion hashes; larger files
// are identified by size and modification time.
const DefaultHashLimit = 256 << 20

// DatasetVersion identifies the content of a file without a second pass
// over its data:
//
//   - a Parquet file: "parquet:sha256:<hex of the footer>;size:<bytes>".
//     The footer holds the schema, the row count, every row group's and
//     column chunk's offsets, sizes and statistics (and page checksums
//     where the writer stored them), so the version changes with any edit
//     that changes the layout, a count or a statistic; an edit of page
//     bytes that keeps every size and statistic is not seen — sha256 the
//     file (FileHash) where that matters;
//   - another file of at most limit bytes (0: DefaultHashLimit):
//     "sha256:<hex>" of its content;
//   - a larger file: "size:<bytes>;mtime:<RFC 3339>" (cheap, but blind to
//     an edit that keeps both).
func DatasetVersion(path string, limit int64) (string, error) {
	if limit <= 0 {
		limit = DefaultHashLimit
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("history: dataset version: %w", err)
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		// A pipe or a device is read once, by the check: reading it here
		// would drain it or never end.
		return "", fmt.Errorf("history: dataset version of %s: %w", path, ErrNoVersion)
	}
	if fi.Mode().IsRegular() {
		if v, ok := parquetVersion(path, fi.Size()); ok {
			return v, nil
		}
	}
	if fi.IsDir() || fi.Size() > limit {
		return fmt.Sprintf("size:%d;mtime:%s", fi.Size(), fi.ModTime().UTC().Format(time.RFC3339Nano)), nil
	}
	h, err := FileHash(path)
	if err != nil {
		return "", err
	}
	return "sha256:" + h, nil
}

// FileHash returns the sha256 of a file's content in hex.
func FileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("history: hash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("history: hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// maxFooterBytes bounds the footer parquetVersion reads: beyond it the
// file is hashed or identified by size like any other.
const maxFooterBytes = 64 << 20

// parquetVersion returns the footer version of a Parquet file, false when
// path is not one (no PAR1 magic at both ends, or an implausible footer
// length).
func parquetVersion(path string, size int64) (string, bool) {
	if size < 12 {
		return "", false
	}
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close() // read only
	var head, tail [8]byte
	if _, err := f.ReadAt(head[:4], 0); err != nil || string(head[:4]) != "PAR1" {
		return "", false
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil || string(tail[4:]) != "PAR1" {
		return "", false
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-12 || n > maxFooterBytes {
		return "", false
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, size-8-n, n+8)); err != nil {
		return "", false
	}
	return fmt.Sprintf("parquet:sha256:%s;size:%d", hex.EncodeToString(h.Sum(nil)), size), true
}
