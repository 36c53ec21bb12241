package pii

import (
	"fmt"
	"regexp"
)

// Kinds of personal data the built-in detectors recognise. They are the
// values of a rule file's privacy.detect and the suffixes of its pii.*
// tags.
const (
	KindEmail      = "email"
	KindPhone      = "phone"
	KindCreditCard = "credit_card"
	KindIBAN       = "iban"
	KindIP         = "ip_address"
	KindUSSSN      = "us_ssn"
	KindUKNINO     = "uk_nino"
	KindMAC        = "mac_address"
)

// Detector recognises one kind of personal data in a single value.
type Detector struct {
	// Kind names what the detector finds: a Kind… constant for the
	// built-in detectors, the user's name for regex detectors.
	Kind string
	// Func reports whether a whole value is of this kind. It must be safe
	// for concurrent use.
	Func func(string) bool
	// Doc describes the detector in one sentence.
	Doc string
	// Label is the noun phrase for reports: "e-mail addresses".
	Label string
}

// Builtin lists the built-in detectors in the order reports show them.
var Builtin = []Detector{
	{Kind: KindEmail, Func: IsEmail, Label: "e-mail addresses",
		Doc: "an e-mail address: dot-atom local part, @, a domain with an alphabetic top-level label"},
	{Kind: KindPhone, Func: IsPhone, Label: "phone numbers",
		Doc: "a phone number: E.164 or international, North American, or national with a trunk 0, written with formatting"},
	{Kind: KindCreditCard, Func: IsCreditCard, Label: "payment card numbers",
		Doc: "a payment card number of a major brand with a valid Luhn digit"},
	{Kind: KindIBAN, Func: IsIBAN, Label: "IBANs",
		Doc: "an IBAN of a registry country with its length and a valid mod-97 checksum"},
	{Kind: KindIP, Func: IsIP, Label: "IP addresses",
		Doc: "an IPv4 or IPv6 address"},
	{Kind: KindUSSSN, Func: IsUSSSN, Label: "US social security numbers",
		Doc: "a US social security number AAA-GG-SSSS outside the never-issued ranges"},
	{Kind: KindUKNINO, Func: IsUKNINO, Label: "UK national insurance numbers",
		Doc: "a UK National Insurance number with a valid prefix and suffix A-D"},
	{Kind: KindMAC, Func: IsMAC, Label: "MAC addresses",
		Doc: "a 48-bit MAC address in colon, dash or dotted (Cisco) notation"},
}

// Lookup returns the built-in detector of kind.
func Lookup(kind string) (Detector, bool) {
	for _, d := range Builtin {
		if d.Kind == kind {
			return d, true
		}
	}
	return Detector{}, false
}

// NewRegexDetector returns a detector of kind name that matches values the
// regular expression (RE2 syntax) matches in full: the pattern is anchored
// at both ends.
func NewRegexDetector(name, pattern string) (Detector, error) {
	if name == "" {
		return Detector{}, fmt.Errorf("pii: regex detector: empty name")
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return Detector{}, fmt.Errorf("pii: regex detector %q: %w", name, err)
	}
	return Detector{
		Kind:  name,
		Func:  re.MatchString,
		Doc:   "values matching " + pattern,
		Label: "values matching /" + pattern + "/",
	}, nil
}
