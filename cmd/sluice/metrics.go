package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Standard OpenTelemetry metric exporter variables the CLI looks at; the
// exporters read the rest (headers, timeouts, TLS, temporality) themselves.
const (
	envMetricsExporter     = "OTEL_METRICS_EXPORTER"
	envOTLPMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	envOTLPMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
)

// otlpMetricsProtocol returns the OTLP protocol of metrics per the
// specification: the metrics variable, then the general one, then
// http/protobuf.
func otlpMetricsProtocol(getenv func(string) string) string {
	if p := strings.TrimSpace(getenv(envOTLPMetricsProtocol)); p != "" {
		return p
	}
	if p := strings.TrimSpace(getenv(envOTLPProtocol)); p != "" {
		return p
	}
	return "http/protobuf"
}

// metricExporters returns the exporters OTEL_METRICS_EXPORTER names
// (comma-separated: otlp, console, none). Unset, metrics go over OTLP only
// when an OTLP endpoint variable is set, as spans do: a CLI run does not
// try localhost by default.
func metricExporters(getenv func(string) string) ([]string, error) {
	v := strings.TrimSpace(getenv(envMetricsExporter))
	if v == "" {
		if getenv(envOTLPEndpoint) == "" && getenv(envOTLPMetricsEndpoint) == "" {
			return nil, nil
		}
		return []string{"otlp"}, nil
	}
	var out []string
	for _, name := range strings.Split(v, ",") {
		switch name = strings.TrimSpace(name); name {
		case "none":
			return nil, nil
		case "otlp", "console":
			out = append(out, name)
		case "":
		default:
			return nil, fmt.Errorf("%s=%q: want otlp, console or none", envMetricsExporter, v)
		}
	}
	return out, nil
}

// newMeterProvider returns a provider exporting the KPIs as configured by
// the standard variables, or nil when no exporter is configured. console
// writes to stderr: stdout carries the reports. The provider's Shutdown
// exports what the run recorded.
func newMeterProvider(ctx context.Context, getenv func(string) string, stderr io.Writer) (*sdkmetric.MeterProvider, error) {
	names, err := metricExporters(getenv)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	var readers []sdkmetric.Option
	var errs []error
	for _, name := range names {
		var exp sdkmetric.Exporter
		var err error
		switch name {
		case "console":
			exp, err = stdoutmetric.New(stdoutmetric.WithWriter(stderr))
		default:
			switch p := otlpMetricsProtocol(getenv); p {
			case "grpc":
				exp, err = otlpmetricgrpc.New(ctx)
			case "http/protobuf":
				exp, err = otlpmetrichttp.New(ctx)
			default:
				err = fmt.Errorf("OTLP protocol %q: want grpc or http/protobuf", p)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s exporter: %w", name, err))
			continue
		}
		readers = append(readers, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)))
	}
	if len(readers) == 0 {
		return nil, errors.Join(errs...)
	}
	res, err := newResource(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	if res != nil {
		readers = append(readers, sdkmetric.WithResource(res))
	}
	return sdkmetric.NewMeterProvider(readers...), errors.Join(errs...)
}
