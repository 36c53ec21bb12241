package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicedata/sluice/quality"
)

// metricsCase measures the cost of the gate's KPIs: the lineage case's
// check of cfg.Rows in-memory rows with quality.WithMeterProvider off and
// on (OpenTelemetry SDK, a manual reader collected after every run, as a
// Prometheus scrape or an OTLP export would), off and on alternating which
// goes first, cfg.Reps pairs. It prints the median of each, the median of
// the per-pair on/off time ratios and the spread of those ratios.
func metricsCase(cfg config) error {
	ctx := context.Background()
	store, err := lineageStore(ctx, cfg.Rows)
	if err != nil {
		return err
	}
	defer store.Clear()
	lb, err := newLineageBench(store)
	if err != nil {
		return err
	}
	defer func() { _ = lb.tp.Shutdown(ctx) }()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()

	runOnce := func(on bool) (float64, *quality.Report, error) {
		opts := []quality.Option{quality.WithSampleLimit(quality.DefaultSampleLimit)}
		if on {
			opts = append(opts, quality.WithMeterProvider(mp))
		}
		start := time.Now()
		gate, err := quality.NewGate(lb.prog, opts...)
		if err != nil {
			return 0, nil, err
		}
		rep, err := gate.Run(ctx, lb.src)
		if err != nil {
			return 0, nil, err
		}
		if on {
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				return 0, nil, err
			}
			if len(rm.ScopeMetrics) == 0 {
				return 0, nil, fmt.Errorf("metrics on recorded nothing")
			}
		}
		return time.Since(start).Seconds(), rep, nil
	}

	var offs, ons, ratios []float64
	var repOff, repOn *quality.Report
	for i := range cfg.Reps {
		var pair [2]float64
		for _, on := range []bool{i%2 == 1, i%2 == 0} {
			s, rep, err := runOnce(on)
			if err != nil {
				return err
			}
			if on {
				repOn, pair[1] = rep, s
				ons = append(ons, s)
			} else {
				repOff, pair[0] = rep, s
				offs = append(offs, s)
			}
		}
		ratios = append(ratios, pair[1]/pair[0])
	}
	if repOff.RowsIn != int64(cfg.Rows) || repOn.RowsIn != repOff.RowsIn || repOn.Status != repOff.Status ||
		repOn.RowsQuarantined != repOff.RowsQuarantined {
		return fmt.Errorf("metrics changed the result: off %d rows %s, on %d rows %s",
			repOff.RowsIn, repOff.Status, repOn.RowsIn, repOn.Status)
	}
	rows := int64(cfg.Rows)
	base := report(Measurement{Case: "metrics", Engine: "metrics-off", Rows: rows, Seconds: median(offs)}, nil)
	report(Measurement{Case: "metrics", Engine: "metrics-on", Rows: rows, Seconds: median(ons)}, &base)
	slices.Sort(ratios)
	fmt.Printf("{\"case\":\"metrics\",\"pairs\":%d,\"on_off_time_ratio_median\":%.4f,\"on_off_time_ratio_min\":%.4f,\"on_off_time_ratio_max\":%.4f,\"load\":%q}\n",
		len(ratios), median(ratios), ratios[0], ratios[len(ratios)-1], loadAverage())
	return nil
}
