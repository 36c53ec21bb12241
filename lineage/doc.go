// Package lineage records where data came from, what checked it and what it
// fed: dataset identity per OpenLineage naming, runs, OpenTelemetry spans
// with links across processes, column-level lineage, and OpenLineage
// RunEvents with their transports.
//
// This package is the ground floor of Sluice together with package rules: it
// imports neither connectors nor quality (quality fills the small Assertion
// and Metrics structs defined here). Library code uses the OpenTelemetry API
// only; SDKs and exporters are wired by programs and tests. No package
// globals are read or written: the TracerProvider is injected with
// WithTracerProvider and defaults to a no-op provider.
//
// # A run
//
//	ctx, run := lineage.Start(ctx, lineage.Job{Namespace: "shop", Name: "orders.load"},
//		lineage.WithTracerProvider(tp), lineage.WithEmitter(emitter), lineage.WithOwner(owner))
//	rctx, rd := run.Read(ctx, src, lineage.IOInfo{Path: path, Metadata: kv}) // span "read {src}"
//	rd.End(rows, bytes, schema, err)
//	cctx, chk := run.Check(ctx, "orders", src)                              // span "check orders"
//	chk.End(assertions, &metrics, err)
//	run.Derive(lineage.Field{Dataset: dst, Name: "email_hash"}, []lineage.Field{{Dataset: src, Name: "email"}}, lineage.Masked("sha256"))
//	run.DeriveDataset(dst, ruleInputs, lineage.Filter("amount_non_negative"))
//	wctx, wr := run.Write(ctx, dst, lineage.IOInfo{})                       // span "write {dst}"
//	md := wr.ProducerMetadata()  // store in Parquet/Arrow key-value metadata
//	wr.End(rows, bytes, schema, err)
//	err := run.End(ctx, gateErr) // COMPLETE when gateErr == nil, else FAIL
//
// Start starts the root span "run {job}" and emits START; End emits exactly
// one COMPLETE or FAIL and ends the root span; later calls do nothing. The
// error End returns reports the bookkeeping (an invalid job, an emitter that
// failed), never the run's outcome. The contexts returned by Read, Check and
// Write carry their span and the Run (FromContext), so a connector that only
// sees a context can call ProducerMetadataFromContext.
//
// Call Check once per rule-set evaluation (with the final report), not per
// batch: its assertions are kept until End to build the events.
//
// A Run is safe for concurrent use: reads and checks may run in parallel
// goroutines. An IO or Check handle belongs to the goroutine that started it;
// its End has effect once.
//
// # Span attributes
//
// Every span carries openlineage.job.namespace, openlineage.job.name,
// openlineage.run.id and sluice.owner (when set). Read and write spans add
// openlineage.dataset.namespace, openlineage.dataset.name,
// openlineage.io.direction ("input" or "output"), and at End sluice.io.rows,
// sluice.io.bytes, sluice.schema.fingerprint (SchemaFingerprint),
// sluice.schema.fields and, when IOInfo.Path is set, the semantic-convention
// file.path and file.size; IOInfo.Attributes adds others such as the db.*
// conventions for SQL datasets. Check spans carry the dataset keys, test.suite.name
// (the rule set), test.suite.run.status ("success" or "failure"),
// sluice.check.passed, sluice.check.failed, sluice.check.rows, and one span
// event "test.case" per assertion with test.case.name and
// test.case.result.status ("pass" or "fail") plus sluice.assertion.*
// details. A failed rule is a result: the span status is Error only when err
// is passed to End. The constants in attrs.go name every key.
//
// # Lineage across processes
//
// A writer stores ProducerMetadata (keys sluice.lineage.run_id,
// sluice.lineage.job_namespace, sluice.lineage.job_name and the W3C
// sluice.lineage.traceparent / tracestate of the write span) with the
// dataset. A later reader, in any process, passes the dataset's key-value
// metadata in IOInfo.Metadata (or calls IO.LinkProducer once it has read the
// footer); the read span then gets a span link to the producing write span,
// with the dataset identity and the producer's run and job as link
// attributes (LinkFromMetadata). No central service is needed.
//
// # OpenLineage events
//
// With WithEmitter, events follow spec 2-0-2. Job facets: jobType
// (processingType, integration, jobType; default BATCH/SLUICE/JOB),
// ownership (WithOwner), tags (WithJobTags). Run facets: tags (WithRunTags),
// test (every assertion of every check), errorMessage on FAIL. Inputs carry
// schema and dataSource facets and the input facets dataQualityMetrics,
// dataQualityAssertions and inputStatistics; outputs carry schema,
// dataSource, columnLineage and the output facet outputStatistics. The
// terminal event repeats every input and output. Every facet has _producer
// and _schemaURL.
//
// Events are bounded (WithSizeCaps): a facet over its cap keeps the longest
// prefix of its list that fits and says "truncated": true, "droppedEntries":
// n; a facet that cannot be cut is dropped. An event over its cap loses its
// largest facets first. Dropped facets are listed in the run facet
// sluice_truncation. The JSON stays valid against the OpenLineage schemas.
//
// Transports: FileEmitter appends NDJSON with one O_APPEND write per event
// (safe for concurrent processes); HTTPEmitter posts to {url}/api/v1/lineage
// (Marquez and the OpenLineage HTTP transport) with retries and backoff on
// network errors, timeouts, 429 and 5xx. Package lineagetest records spans
// and events in memory for users' tests.
package lineage
