package quality

import (
	"bufio"
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sluicedata/sluice/quality/history"
)

// AuditFacetName is the OpenLineage run facet that carries a run's audit
// record out of the history store, in the COMPLETE or FAIL event.
const AuditFacetName = "sluice_audit"

// AuditFacetSchemaURL is the JSON Schema of the sluice_audit run facet.
const AuditFacetSchemaURL = "https://github.com/sluicedata/sluice/blob/main/docs/lineage/AuditRunFacet.json"

// ErrAuditAnchors is wrapped by ReadAuditAnchors when a lineage file
// cannot be read as OpenLineage events or holds a malformed sluice_audit
// facet.
var ErrAuditAnchors = errors.New("quality: unreadable audit anchors")

// ReportAudit is the audit record of a run as it travels out of the history
// store: in the JSON report ("audit") and in the sluice_audit run facet of
// the run's terminal lineage event. Kept elsewhere, it lets
// history.Store.VerifyAudit detect the deletion of the last records and a
// rewritten chain (see docs/audit.md).
type ReportAudit struct {
	// Seq is the record's position in the chain, from 1.
	Seq int64 `json:"seq"`
	// Hash is the record's chain hash (sha256, hex).
	Hash string `json:"hash"`
	// Signature is the Ed25519 signature of the hash (base64) and KeyID
	// the id of the signing key; both absent when unsigned.
	Signature string `json:"signature,omitempty"`
	KeyID     string `json:"key_id,omitempty"`
}

// auditFacet is the sluice_audit facet's own properties, camelCase as
// OpenLineage facets are.
type auditFacet struct {
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Signature string `json:"signature,omitempty"`
	KeyID     string `json:"keyId,omitempty"`
}

// WithAuditKey signs every audit record the gate appends to its history
// store (WithHistory) with key, an Ed25519 key: an ed25519.PrivateKey (see
// history.ReadPrivateKey) or a signer backed by a KMS or HSM. Without
// WithHistory it has no effect.
func WithAuditKey(key crypto.Signer) Option { return func(c *config) { c.auditKey = key } }

func (g *Gate) auditOptions() []history.AppendOption {
	if g.cfg.auditKey == nil {
		return nil
	}
	return []history.AppendOption{history.SignWith(g.cfg.auditKey)}
}

// publishAudit puts the appended record in the report and, with
// WithLineage, in the sluice_audit facet of the run's terminal event.
func (g *Gate) publishAudit(rep *Report, r history.AuditRecord) error {
	rep.Audit = &ReportAudit{Seq: r.Seq, Hash: r.Hash, Signature: r.Signature, KeyID: r.KeyID}
	if g.cfg.lineage == nil {
		return nil
	}
	return g.cfg.lineage.SetRunFacet(AuditFacetName, AuditFacetSchemaURL,
		auditFacet{Seq: r.Seq, Hash: r.Hash, Signature: r.Signature, KeyID: r.KeyID})
}

// maxLineageLine bounds one event line of ReadAuditAnchors.
const maxLineageLine = 64 << 20

// ReadAuditAnchors reads the sluice_audit facets of an NDJSON file of
// OpenLineage events (the file emitter's output) as anchors for
// history.WithAnchors; source names the file in anchors and errors. Events
// without the facet are skipped, blank lines too. A line that is not a JSON
// object, or a facet without a sequence number and hash, is an error
// wrapping ErrAuditAnchors that names source and line.
func ReadAuditAnchors(r io.Reader, source string) ([]history.Anchor, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineageLine)
	var out []history.Anchor
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var ev struct {
			Run struct {
				Facets map[string]json.RawMessage `json:"facets"`
			} `json:"run"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: not an OpenLineage event: %s", ErrAuditAnchors, source, line, jsonProblem(err))
		}
		f, ok := ev.Run.Facets[AuditFacetName]
		if !ok {
			continue
		}
		var af auditFacet
		if err := json.Unmarshal(f, &af); err != nil || af.Seq < 1 || af.Hash == "" {
			return nil, fmt.Errorf("%w: %s:%d: the %s facet has no valid seq and hash", ErrAuditAnchors, source, line, AuditFacetName)
		}
		out = append(out, history.Anchor{Seq: af.Seq, Hash: af.Hash, Signature: af.Signature, Source: fmt.Sprintf("%s:%d", source, line)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: after line %d: %w", ErrAuditAnchors, source, line, err)
	}
	return out, nil
}

// jsonProblem describes a JSON decoding error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is a JSON %s at byte %d", orTop(te.Field), te.Value, te.Offset)
	}
	return "invalid JSON"
}

func orTop(field string) string {
	if field == "" {
		return "the event"
	}
	return field
}
