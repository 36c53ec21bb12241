package history

import (
	"fmt"
	"slices"
)

// verifier gathers the problems of one VerifyAudit.
type verifier struct {
	cfg verifyConfig
	res *VerifyResult
	// last is the sequence number and hash of the previous record seen.
	lastSeq  int64
	lastHash string
}

func (v *verifier) bad(seq int64, format string, args ...any) {
	v.res.Problems = append(v.res.Problems, Problem{Seq: seq, Reason: fmt.Sprintf(format, args...)})
}

// record checks one record, in sequence order; digest is the metrics
// digest recomputed from the store ("" when the record has none).
func (v *verifier) record(r AuditRecord, digest string) {
	v.res.Records++
	switch {
	case r.Seq == v.lastSeq+2:
		v.bad(v.lastSeq+1, "record %d is missing (the next record is %d)", v.lastSeq+1, r.Seq)
	case r.Seq > v.lastSeq+2:
		v.bad(v.lastSeq+1, "records %d to %d are missing (the next record is %d)", v.lastSeq+1, r.Seq-1, r.Seq)
	case r.Seq < 1:
		v.bad(r.Seq, "record %d is out of sequence", r.Seq)
	case r.PrevHash != v.lastHash && r.Seq == 1:
		v.bad(r.Seq, "record 1 does not start the chain (its prev_hash is set): reordered, or a record was replaced")
	case r.PrevHash != v.lastHash:
		v.bad(r.Seq, "record %d does not follow record %d (prev_hash differs): reordered, or a record was replaced", r.Seq, r.Seq-1)
	}
	if h, err := r.ComputeHash(); err != nil {
		v.bad(r.Seq, "record %d is unreadable: %v", r.Seq, err)
	} else if h != r.Hash {
		v.bad(r.Seq, "record %d was edited: its content does not match its hash", r.Seq)
	}
	if r.MetricsDigest != "" && digest != r.MetricsDigest {
		if digest == "" {
			v.bad(r.Seq, "record %d: the metrics of run %q of %q (partition %q) were deleted", r.Seq, r.RunID, r.Dataset, r.Partition)
		} else {
			v.bad(r.Seq, "record %d: the metric values or states of run %q of %q (partition %q) were changed: their digest differs", r.Seq, r.RunID, r.Dataset, r.Partition)
		}
	}
	if v.cfg.keys != nil && (r.Signature != "" || r.Seq >= v.cfg.signedFrom) {
		if key, ok := v.cfg.keys[r.KeyID]; ok {
			if err := r.VerifySignature(key); err != nil {
				v.bad(r.Seq, "%s", unwrapSig(err))
			} else {
				v.res.Signed++
			}
		} else if r.Signature == "" {
			v.bad(r.Seq, "record %d is not signed", r.Seq)
		} else {
			v.bad(r.Seq, "record %d is signed by key %s, not by a key given to verify", r.Seq, orNone(r.KeyID))
		}
	}
	v.lastSeq, v.lastHash = r.Seq, r.Hash
}

// unwrapSig drops the sentinel's prefix from a VerifySignature error; the
// rest names the record.
func unwrapSig(err error) string {
	msg := err.Error()
	prefix := ErrSignature.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return msg
}

// head checks the chain head against the last record.
func (v *verifier) head(seq int64, hash string) {
	switch {
	case seq > v.lastSeq:
		v.bad(v.lastSeq+1, "record %d is missing: the chain head names record %d", v.lastSeq+1, seq)
	case seq < v.lastSeq:
		v.bad(seq+1, "record %d is not in the chain head (head names record %d)", seq+1, seq)
	case hash != v.lastHash:
		v.bad(v.lastSeq, "record %d does not match the chain head's hash", v.lastSeq)
	}
}

// anchors holds the records to the anchors kept outside the store.
func (v *verifier) anchors(recs []AuditRecord) {
	bySeq := make(map[int64]*AuditRecord, len(recs))
	for i := range recs {
		bySeq[recs[i].Seq] = &recs[i]
	}
	anchors := slices.Clone(v.cfg.anchors)
	slices.SortStableFunc(anchors, func(a, b Anchor) int { return int(min(max(a.Seq-b.Seq, -1), 1)) })
	for _, a := range anchors {
		r, ok := bySeq[a.Seq]
		switch {
		case !ok && a.Seq > v.lastSeq:
			v.bad(a.Seq, "record %d is missing: %s anchors it, and the store ends at record %d", a.Seq, a.Source, v.lastSeq)
		case !ok:
			v.bad(a.Seq, "record %d is missing: %s anchors it", a.Seq, a.Source)
		case r.Hash != a.Hash:
			v.bad(a.Seq, "record %d differs from its anchor in %s: the chain was rewritten", a.Seq, a.Source)
		case a.Signature != "" && r.Signature != a.Signature:
			v.bad(a.Seq, "record %d: its signature differs from its anchor in %s", a.Seq, a.Source)
		default:
			v.res.Anchored++
		}
	}
}

// coverage demands an audit record for every run of the store: a run's
// metric history is covered by the metrics digest of its record. Records
// without a digest and partition (written before digests existed, or
// appended before their run was saved) cover the runs of their run id.
func (v *verifier) coverage(recs []AuditRecord, keys []runKey) {
	exact := map[runKey]bool{}
	loose := map[[2]string]bool{}
	for _, r := range recs {
		exact[runKey{r.Dataset, r.RunID, r.Partition}] = true
		if r.MetricsDigest == "" && r.Partition == "" {
			loose[[2]string{r.Dataset, r.RunID}] = true
		}
	}
	for _, k := range keys {
		if exact[k] || loose[[2]string{k.dataset, k.run}] {
			continue
		}
		v.bad(0, "run %q of %q (partition %q) has no audit record: its metrics were added outside a gate run", k.run, k.dataset, k.part)
	}
}

// finish orders the problems by record (problems of no record last) and
// sets the summary fields.
func (v *verifier) finish() {
	slices.SortStableFunc(v.res.Problems, func(a, b Problem) int {
		switch {
		case a.Seq == b.Seq:
			return 0
		case a.Seq == 0:
			return 1
		case b.Seq == 0:
			return -1
		case a.Seq < b.Seq:
			return -1
		}
		return 1
	})
	v.res.OK = len(v.res.Problems) == 0
	if !v.res.OK {
		v.res.FirstBad, v.res.Reason = v.res.Problems[0].Seq, v.res.Problems[0].Reason
	}
}
