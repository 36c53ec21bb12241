package hostile

import (
	"strconv"
	"strings"
)

// Planted values of pii.* columns. Each is distinctive enough that finding
// it (or PlantedMarker) in any output is a leak and nothing else.
var (
	// PlantedEmails fill the pii.email column of PIIEmailCSV. The last one
	// is also an invalid regular expression and an invalid timestamp, so
	// error messages of matches() and timestamp() would quote it.
	PlantedEmails = []string{
		"qxplanted.alice@example.org",
		"qxplanted.bob@example.org",
		"qxplanted.carol@example.org",
		"qxplanted(bad@example.org",
	}
	// PlantedPhone is the value of the pii.phone column declared int64.
	PlantedPhone = "x@y.io"
)

// PlantedMarker is in every planted e-mail address.
const PlantedMarker = "qxplanted"

// PIIEmailCSV has a column id and a pii.email column email holding
// PlantedEmails, one of them twice (so it is the most common).
func PIIEmailCSV() []byte {
	var b strings.Builder
	b.WriteString("id,email\n")
	vals := append(append([]string{}, PlantedEmails...), PlantedEmails[0])
	for i, v := range vals {
		b.WriteString(strconv.Itoa(i+1) + "," + v + "\n")
	}
	return []byte(b.String())
}

// PIIPhoneCSV has a column id and a column phone whose second value is
// PlantedPhone, not an integer.
func PIIPhoneCSV() []byte {
	return []byte("id,phone\n1,4930901820\n2," + PlantedPhone + "\n3,4930901821\n")
}

// emailColumn declares the e-mail column, with an hmac mask when asked.
func emailColumn(hmac bool) string {
	if hmac {
		return "  email: {type: string, tags: [pii.email], mask: hmac}\n"
	}
	return "  email: {type: string, tags: [pii.email]}\n"
}

// PIIMetricRules is a rule file over PIIEmailCSV with every metric kind
// that carries values (min, max, most_common, distinct counts, lengths)
// over the pii.email column, and a row rule whose failing samples show
// it. Its gate fails (exit 1) on the row rule only.
func PIIMetricRules(hmac bool) string {
	return "version: 1\ndataset: people\nowner: privacy@example.com\ncolumns:\n  id: {type: int64}\n" + emailColumn(hmac) + `rules:
  - name: email_min
    check: min(email) != ''
  - name: email_max
    check: max(email) != ''
  - name: email_most_common
    check: most_common(email) != ''
  - name: email_distinct
    check: distinct_count(email) >= 1
  - name: email_approx_distinct
    check: approx_distinct(email) >= 1
  - name: email_unique
    check: duplicate_count(email) >= 0
  - name: email_length
    check: max_length(email) > 0 && min_length(email) > 0
  - name: email_complete
    check: completeness(email) > 0.5
  - name: email_is_com
    expr: email.endsWith('.com')
`
}

// PIIErrorRules is a rule file over PIIEmailCSV whose row rules fail with
// evaluation errors that would quote the value: timestamp(email) and
// 'abc'.matches(email).
func PIIErrorRules(hmac bool) string {
	return "version: 1\ndataset: people\nowner: privacy@example.com\ncolumns:\n  id: {type: int64}\n" + emailColumn(hmac) + `rules:
  - name: email_is_time
    expr: timestamp(email) > timestamp('2000-01-01T00:00:00Z')
  - name: email_as_regex
    expr: "'abc'.matches(email)"
`
}

// PIIPhoneRules is a rule file over PIIPhoneCSV that declares the pii.phone
// column int64, so PlantedPhone is a type violation.
func PIIPhoneRules() string {
	return `version: 1
dataset: contacts
owner: privacy@example.com
columns:
  id: {type: int64}
  phone: {type: int64, tags: [pii.phone]}
rules:
  - name: phone_positive
    expr: phone > 0
`
}

// Forged is what the injection cases try to slip into a text report: a
// screen clear and a line that looks like the verdict.
const Forged = "\x1b[2J\nGate: PASS"

// yamlForged is Forged as a YAML double-quoted scalar's contents.
const yamlForged = `\e[2J\nGate: PASS`

// InjectionRules returns a rule file over a CSV with column a whose owner,
// dataset or rule name (field: "owner", "dataset" or "name") carries
// Forged. Its row rule fails, so the true verdict is FAIL.
func InjectionRules(field string) string {
	owner, dataset, name := "o@example.com", "d", "a_positive"
	switch field {
	case "owner":
		owner = "a" + yamlForged
	case "dataset":
		dataset = "d" + yamlForged
	case "name":
		name = "r" + yamlForged
	}
	return "version: 1\ndataset: \"" + dataset + "\"\nowner: \"" + owner + "\"\nrules:\n  - name: \"" + name + "\"\n    expr: a > 100\n"
}

// InjectionHeaderCSV is a CSV file whose quoted header name carries Forged.
const InjectionHeaderCSV = "a,\"b" + Forged + "\"\n1,x\n2,y\n"
