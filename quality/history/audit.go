package history

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sluicedata/sluice/lineage"
)

// AuditRecord is one gate decision in the audit trail. Records form a hash
// chain: Hash = sha256(PrevHash || canonical JSON of the record), in hex,
// where the canonical JSON holds every field but Hash (see Canonical).
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
	// PrevHash and Hash chain the records; set by AppendAudit.
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
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

// Canonical returns the bytes hashed for r: its fields but Hash as JSON
// with a fixed key order, the time in UTC with nanoseconds, the summary
// with sorted keys.
func (r AuditRecord) Canonical() ([]byte, error) {
	sum, err := canonicalJSON(r.Summary)
	if err != nil {
		return nil, err
	}
	return json.Marshal(canonicalRecord{
		Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano), RunID: r.RunID,
		Dataset: r.Dataset, Namespace: r.DatasetID.Namespace, Name: r.DatasetID.Name,
		DatasetVersion: r.DatasetVersion, RuleFile: r.RuleFile, RuleFileHash: r.RuleFileHash,
		Owner: r.Owner, Decision: r.Decision, Summary: sum, PrevHash: r.PrevHash,
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

// DefaultHashLimit is the largest file DatasetVersion hashes; larger files
// are identified by size and modification time.
const DefaultHashLimit = 256 << 20

// DatasetVersion identifies the content of a file: "sha256:<hex>" when it
// is at most limit bytes (0: DefaultHashLimit), else
// "size:<bytes>;mtime:<RFC 3339>" (cheap, but blind to an edit that keeps
// both).
func DatasetVersion(path string, limit int64) (string, error) {
	if limit <= 0 {
		limit = DefaultHashLimit
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("history: dataset version: %w", err)
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
