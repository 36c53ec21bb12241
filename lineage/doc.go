// Package lineage records where data came from, what checked it and what it
// fed: dataset identity per OpenLineage naming, runs, spans and events.
//
// This package is the ground floor of Sluice together with package rules: it
// imports neither connectors nor quality. Library code uses the OpenTelemetry
// API only; SDKs and exporters are wired by programs.
package lineage
