package lineage

import "go.opentelemetry.io/otel/attribute"

// Span names. The dynamic part is the job name, the dataset (Dataset.String)
// or the rule set name.
const (
	SpanRunPrefix   = "run "   // "run {job name}": the root span of a Run
	SpanReadPrefix  = "read "  // "read {dataset}": one per Run.Read
	SpanCheckPrefix = "check " // "check {ruleset}": one per Run.Check
	SpanWritePrefix = "write " // "write {dataset}": one per Run.Write
)

// Attribute keys set on the spans of a Run. The openlineage.* keys identify
// the job, run and dataset as in OpenLineage events; file.* and test.* follow
// the OpenTelemetry semantic conventions; sluice.* are Sluice's own.
const (
	AttrJobNamespace     = attribute.Key("openlineage.job.namespace")
	AttrJobName          = attribute.Key("openlineage.job.name")
	AttrRunID            = attribute.Key("openlineage.run.id")
	AttrDatasetNamespace = attribute.Key("openlineage.dataset.namespace")
	AttrDatasetName      = attribute.Key("openlineage.dataset.name")
	// AttrIODirection is "input" on read spans and "output" on write spans.
	AttrIODirection = attribute.Key("openlineage.io.direction")

	AttrOwner             = attribute.Key("sluice.owner")
	AttrRows              = attribute.Key("sluice.io.rows")  // rows read or written
	AttrBytes             = attribute.Key("sluice.io.bytes") // bytes read or written
	AttrSchemaFingerprint = attribute.Key("sluice.schema.fingerprint")
	AttrSchemaFields      = attribute.Key("sluice.schema.fields") // number of top-level fields

	// AttrTaggedColumns lists, sorted, the columns of a read or write that
	// carry tags (IOInfo.ColumnTags): names only, never values.
	AttrTaggedColumns = attribute.Key("sluice.privacy.tagged_columns")

	AttrFilePath = attribute.Key("file.path")
	AttrFileSize = attribute.Key("file.size")

	AttrTestSuiteName      = attribute.Key("test.suite.name")
	AttrTestSuiteRunStatus = attribute.Key("test.suite.run.status") // "success" | "failure"
	AttrTestCaseName       = attribute.Key("test.case.name")
	AttrTestCaseStatus     = attribute.Key("test.case.result.status") // "pass" | "fail"

	AttrChecksPassed    = attribute.Key("sluice.check.passed") // assertions that passed
	AttrChecksFailed    = attribute.Key("sluice.check.failed") // assertions that failed
	AttrCheckRows       = attribute.Key("sluice.check.rows")   // rows evaluated (Metrics.RowCount)
	AttrAssertionColumn = attribute.Key("sluice.assertion.column")
	AttrAssertionKind   = attribute.Key("sluice.assertion.type")
	AttrSeverity        = attribute.Key("sluice.assertion.severity")
	AttrExpected        = attribute.Key("sluice.assertion.expected")
	AttrActual          = attribute.Key("sluice.assertion.actual")

	// Link attributes (on the read span's link to the producing write) use
	// the dataset keys above plus these, naming the producer.
	AttrProducerRunID        = attribute.Key("sluice.producer.run.id")
	AttrProducerJobNamespace = attribute.Key("sluice.producer.job.namespace")
	AttrProducerJobName      = attribute.Key("sluice.producer.job.name")
)

// EventTestCase is the name of the span event recorded on a check span for
// every assertion, carrying AttrTestCaseName and AttrTestCaseStatus.
const EventTestCase = "test.case"

// Directions reported in AttrIODirection.
const (
	DirectionInput  = "input"
	DirectionOutput = "output"
)
