package engine

import (
	"encoding/json"

	"github.com/sluicedata/sluice/rules/pii"
	"github.com/sluicedata/sluice/rules/textfmt"
)

// detectors maps the overload ids of the PII detector functions and of
// is_json and parses_date (declared in package rules) to the detectors: string predicates like startsWith, run
// once per dictionary entry on dictionary columns.
var detectors = map[string]func(string) bool{
	"is_email_string":       pii.IsEmail,
	"is_phone_string":       pii.IsPhone,
	"is_credit_card_string": pii.IsCreditCard,
	"is_iban_string":        pii.IsIBAN,
	"is_ip_string":          pii.IsIP,
	"is_us_ssn_string":      pii.IsUSSSN,
	"is_uk_nino_string":     pii.IsUKNINO,
	"is_mac_string":         pii.IsMAC,
	"is_json_string":        isJSON,
	"parses_date_string":    textfmt.ParsesDate,
}

// isJSON is is_json: one well-formed JSON value, as json.Valid says.
func isJSON(s string) bool { return json.Valid([]byte(s)) }
