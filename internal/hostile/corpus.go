package hostile

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is one small case of the corpus: its name in testdata/hostile, its
// bytes and what it is.
type File struct {
	Name string
	Data []byte
	Note string
}

// Files returns the small cases, in the order of testdata/hostile/README.md.
// Large cases (the wide CSV, the 200 MB line) are written by their
// builders at test time only.
func Files() ([]File, error) {
	type build struct {
		name, note string
		fn         func() ([]byte, error)
	}
	builds := []build{
		{"schema-list-huge.parquet", "footer declares a schema list of 0x0fffffff elements", func() ([]byte, error) { return ParquetSchemaListLength(HugeLength) }},
		{"truncated-footer.parquet", "footer cut in half, trailing length still claims all of it", ParquetTruncatedFooter},
		{"bad-magic.parquet", "PAR2 instead of PAR1 at both ends", ParquetBadMagic},
		{"page-size-huge.parquet", "first page header declares 0x0fffffff bytes", ParquetHugePageSize},
		{"schema-vector-huge.arrow", "IPC file: ff ff ff 7f as the length of the schema's fields vector (footer and message)", ArrowFileHugeVector},
		{"schema-vector-huge.arrows", "IPC stream: ff ff ff 7f as the length of the schema's fields vector", ArrowStreamHugeVector},
		{"truncated.arrows", "IPC stream cut in the middle of its record batch body", ArrowStreamTruncated},
	}
	var files []File
	for _, b := range builds {
		data, err := b.fn()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
		files = append(files, File{Name: b.name, Data: data, Note: b.note})
	}
	text := []File{
		{"unclosed-quote.csv", []byte(UnclosedQuoteCSV), "a quote on line 3 never closed"},
		{"invalid-utf8-header.csv", []byte(InvalidUTF8HeaderCSV), "header name with invalid UTF-8 and an escape sequence"},
		{"nul-bytes.csv", []byte(NULCSV), "NUL bytes inside a value"},
		{"injection-header.csv", []byte(InjectionHeaderCSV), "quoted header name with a screen clear and a forged verdict line"},
		{"nested-100k.json", NestedJSON(100_000), "JSON array whose value nests 100,000 arrays"},
		{"nested-100k.ndjson", NestedNDJSON(100_000), "NDJSON line whose value nests 100,000 objects"},
		{"pii-email.csv", PIIEmailCSV(), "pii.email column of planted addresses (see PlantedEmails)"},
		{"pii-phone.csv", PIIPhoneCSV(), `pii.phone column declared int64 holding "x@y.io"`},
		{"pii-metrics.yaml", []byte(PIIMetricRules(false)), "every value-bearing metric over the pii.email column"},
		{"pii-metrics-hmac.yaml", []byte(PIIMetricRules(true)), "the same with mask: hmac"},
		{"pii-errors.yaml", []byte(PIIErrorRules(false)), "timestamp(email) and 'abc'.matches(email)"},
		{"pii-phone.yaml", []byte(PIIPhoneRules()), "pii.phone declared int64"},
		{"injection-owner.yaml", []byte(InjectionRules("owner")), "owner with a screen clear and a forged verdict line"},
		{"injection-dataset.yaml", []byte(InjectionRules("dataset")), "dataset name likewise"},
		{"injection-rule-name.yaml", []byte(InjectionRules("name")), "rule name likewise"},
		{"yaml-bomb.yaml", []byte(YAMLBomb(9, 10)), "anchors expanding to 10^9 strings in an unknown key"},
		{"yaml-bomb-tags.yaml", []byte(YAMLBombInTags(9, 10)), "anchors expanding to 10^9 strings in a column's tags"},
		{"yaml-self-alias.yaml", []byte(YAMLSelfAlias), "an alias inside its own anchor"},
		{"cel-nested-parens.yaml", []byte(CELNestedParens(100_000)), "an expression nesting 100,000 parentheses"},
		{"cel-cost-bomb.yaml", []byte(CELCostBomb(5, 100)), "nested comprehensions: 10^10 iterations per row"},
	}
	return append(files, text...), nil
}

// CommitLimit is the size up to which a case is committed to
// testdata/hostile; larger ones are generated where they are needed.
const CommitLimit = 16 << 10

// Write writes the cases into dir: those up to CommitLimit bytes, or every
// one with all.
func Write(dir string, all bool) error {
	files, err := Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if !all && len(f.Data) > CommitLimit {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
