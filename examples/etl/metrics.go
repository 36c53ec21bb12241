package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// NewPrometheusMetrics returns a MeterProvider whose metrics are served to
// Prometheus by the returned handler (mount it on /metrics), on a registry
// of its own. The handler speaks the OpenMetrics and protobuf formats too,
// which carry the exemplars: the OTel SDK attaches the trace and span id of
// the sampled span in the context of a measurement, so a gate's counters
// link to the trace of the run that recorded them.
func NewPrometheusMetrics() (*sdkmetric.MeterProvider, http.Handler, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, fmt.Errorf("etl: prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
	return mp, h, nil
}

// serve runs the job every interval (once at start) and serves /metrics on
// addr until SIGINT or SIGTERM.
func serve(cfg Config, addr string, every time.Duration) error {
	mp, h, err := NewPrometheusMetrics()
	if err != nil {
		return err
	}
	// Spans of an SDK provider are sampled, so the measurements carry
	// exemplars with the run's trace id; export them with an SDK exporter
	// (OTLP, …) in a real service.
	tp := sdktrace.NewTracerProvider()
	cfg.MeterProvider, cfg.TracerProvider = mp, tp
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("etl: metrics: %w", err)
	}
	slog.Info("etl: serving metrics", "url", "http://"+lis.Addr().String()+"/metrics")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()

	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		res, err := Run(ctx, cfg)
		switch {
		case err != nil:
			slog.Error("etl: run", "error", err)
		default:
			slog.Info("etl: run", "status", res.Report.Status, "rows_in", res.Report.RowsIn,
				"rows_out", res.RowsOut, "rows_quarantined", res.Report.RowsQuarantined, "run", res.RunID)
		}
		select {
		case <-tick.C:
			continue
		case err := <-errc:
			return fmt.Errorf("etl: metrics: %w", err)
		case <-ctx.Done():
		}
		break
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), tp.Shutdown(sctx), mp.Shutdown(sctx))
}
