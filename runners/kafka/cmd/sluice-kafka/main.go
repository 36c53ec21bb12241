// Command sluice-kafka gates a Kafka topic with a rule file: one member of
// a consumer group that routes passing records to a clean topic and failing
// ones to a quarantine topic, and writes a report per window as JSON lines.
//
//	sluice-kafka --brokers H:P --topic T --group G --rules R.yaml
//	    [--clean-topic T2] [--quarantine-topic T3] [--window 1m|10000]
//	    [--ledger PATH] [--max-records N] [--report PATH]
//
// Exit codes are sluice check's: 0 pass (or warn), 1 the cumulative report
// written with --report failed the gate, 2 invalid arguments or rules, 3 a
// runtime error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
	kafka "github.com/sluicedata/sluice/runners/kafka"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice-kafka", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg             kafka.Config
		brokers, window string
		report          string
	)
	fs.StringVar(&brokers, "brokers", "", "seed brokers, host:port[,host:port…] (required)")
	fs.StringVar(&cfg.Topic, "topic", "", "the topic to gate (required)")
	fs.StringVar(&cfg.Group, "group", "", "the consumer group (required)")
	fs.StringVar(&cfg.Rules, "rules", "", "the rule file (required)")
	fs.StringVar(&cfg.CleanTopic, "clean-topic", "", "produce passing records here")
	fs.StringVar(&cfg.QuarantineTopic, "quarantine-topic", "", "produce failing records here, with the failed rules in the "+kafka.FailedRulesHeader+" header")
	fs.StringVar(&window, "window", "10000", "a window is this many records (10000) or this long (1m)")
	fs.StringVar(&cfg.Ledger, "ledger", "sluice-kafka.db", "the SQLite file with the group's per-partition state, shared by every member")
	fs.Int64Var(&cfg.MaxRecords, "max-records", 0, "stop after accounting this many records (0: run until interrupted)")
	fs.StringVar(&report, "report", "", "write the group's cumulative report (sluice check --format json) here when stopping")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice-kafka: unexpected arguments %q\n", fs.Args())
		return 2
	}
	for b := range strings.SplitSeq(brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			cfg.Brokers = append(cfg.Brokers, b)
		}
	}
	if n, err := strconv.Atoi(window); err == nil {
		cfg.WindowRecords = n
	} else if d, derr := time.ParseDuration(window); derr == nil {
		cfg.WindowDuration = d
	} else {
		fmt.Fprintf(stderr, "sluice-kafka: --window %q: neither a record count nor a duration\n", window)
		return 2
	}
	cfg.Windows = stdout
	g, err := kafka.New(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sluice-kafka: %v\n", err)
		var rerr rules.Errors
		if errors.Is(err, kafka.ErrConfig) || errors.As(err, &rerr) {
			return 2
		}
		return 3
	}
	defer func() {
		if err := g.Close(); err != nil {
			fmt.Fprintf(stderr, "sluice-kafka: %v\n", err)
		}
	}()
	if err := g.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "sluice-kafka: %v\n", err)
		return 3
	}
	if report == "" {
		return 0
	}
	rep, err := g.Report(context.WithoutCancel(ctx))
	if err != nil {
		fmt.Fprintf(stderr, "sluice-kafka: %v\n", err)
		return 3
	}
	if err := writeReport(report, rep); err != nil {
		fmt.Fprintf(stderr, "sluice-kafka: %v\n", err)
		return 3
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

func writeReport(path string, rep *quality.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(quality.WriteJSON(f, rep), f.Close())
}
