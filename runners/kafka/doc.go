// Package kafka is a streaming quality gate over Kafka topics: a consumer
// group member reads JSON record values, evaluates the rule file on
// micro-batches, routes passing records to a clean topic and failing ones
// (with the failed rule names in the "sluice.failed_rules" header) to a
// quarantine topic, and writes one report per window as JSON lines.
//
// Accounting is exactly once across rebalances: each micro-batch of a
// partition is stored in the ledger (a SQLite file shared by the members of
// the group) together with the partition's next offset, in one transaction;
// on assignment the member seeks to the stored offset, and Kafka offsets
// are committed only after the ledger. The cumulative report is the gate's
// report over the ledger's records, in (partition, offset) order, the same
// report `sluice check` gives over those records as NDJSON. Records
// produced to the clean and quarantine topics are at least once: a member
// that stops between producing and storing a micro-batch produces it again
// after the restart.
//
// The Gate is configured by a Config and is not safe for concurrent use;
// run one Gate per group member.
package kafka
