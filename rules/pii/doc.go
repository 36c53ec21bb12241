// Package pii detects personal data in string values and scans Arrow
// columns for it.
//
// Each detector is a pure function from a string to a bool that recognises
// one kind of value as a whole (surrounding ASCII spaces are ignored): an
// e-mail address, a phone number, a payment card number, an IBAN, an IP
// address, a US social security number, a UK national insurance number or
// a MAC address. The detectors validate what can be validated — the Luhn
// digit of card numbers, the mod-97 checksum and per-country length of
// IBANs, the excluded ranges of SSNs and NINOs — and reject look-alikes
// such as dates, timestamps, order numbers and plain integers where a
// phone number is expected. They do not allocate.
//
// Builtin lists the detectors as plain data, keyed by the kinds of a rule
// file's privacy.detect and pii.* tags; NewRegexDetector adds user-defined
// ones. Scan and Scanner count, per string column, how many values each
// detector recognises. Corpus generates a labelled corpus for measuring
// precision and recall.
//
// Detectors, Builtin and the results of Scan are safe for concurrent use;
// a Scanner is not.
package pii
