package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/pipeline"
	"github.com/sluicedata/sluice/rules"
)

// FailedRulesHeader is the header of a quarantined record: the names of the
// error-severity row rules it failed, comma-separated, or InvalidJSON.
const FailedRulesHeader = "sluice.failed_rules"

// InvalidJSON is the failed rule named for a record value that is not a
// JSON object. Such records are quarantined and counted, not evaluated.
const InvalidJSON = "_sluice_invalid_json"

// ErrConfig is wrapped by errors of an invalid Config.
var ErrConfig = errors.New("kafka: invalid configuration")

// Config configures a Gate.
type Config struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic is read by the consumer group Group.
	Topic, Group string
	// Rules is the path of the rule file.
	Rules string
	// CleanTopic and QuarantineTopic receive the passing and the failing
	// records; "" drops them.
	CleanTopic, QuarantineTopic string
	// WindowRecords closes a window after this many records, and
	// WindowDuration after this much time; at least one is set.
	WindowRecords  int
	WindowDuration time.Duration
	// MaxRecords stops the member after it accounted this many records
	// (0: no limit).
	MaxRecords int64
	// Ledger is the path of the SQLite file with the per-partition state;
	// every member of the group must use the same one.
	Ledger string
	// Windows receives one JSON line per window; nil discards them.
	Windows io.Writer
	// Until, when not nil, is called after each micro-batch with the number
	// of records the group accounted in total; true stops the member.
	Until func(groupTotal int64) bool
	// Logger gets progress; nil discards.
	Logger *slog.Logger
	// ClientOptions are further franz-go options.
	ClientOptions []kgo.Opt
}

// Validate returns every problem of c.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("brokers: required"))
	}
	if c.Topic == "" {
		errs = append(errs, errors.New("topic: required"))
	}
	if c.Group == "" {
		errs = append(errs, errors.New("group: required"))
	}
	if c.Rules == "" {
		errs = append(errs, errors.New("rules: required"))
	}
	if c.Ledger == "" {
		errs = append(errs, errors.New("ledger: required"))
	}
	if c.WindowRecords <= 0 && c.WindowDuration <= 0 {
		errs = append(errs, errors.New("window: a record count or a duration is required"))
	}
	if c.MaxRecords < 0 {
		errs = append(errs, errors.New("max-records: negative"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}

// Dataset is the OpenLineage identity of a topic: namespace
// kafka://host:port of the first seed broker, name the topic.
func Dataset(brokers []string, topic string) lineage.Dataset {
	host := ""
	if len(brokers) > 0 {
		host = brokers[0]
	}
	return lineage.Dataset{Namespace: "kafka://" + host, Name: topic}
}

// Stats is what one member did.
type Stats struct {
	// Records is the number of records this member accounted.
	Records int64
	// Clean and Quarantined are the records it produced to each topic.
	Clean, Quarantined int64
	// Windows is the number of window reports written.
	Windows int
	// Batches is the number of micro-batches.
	Batches int
}

// Gate is one member of a consumer group that gates a topic.
type Gate struct {
	cfg    Config
	rs     *rules.RuleSet
	led    *ledger
	cl     *kgo.Client
	log    *slog.Logger
	dir    string
	stats  Stats
	window [][]byte
	wstart time.Time
}

// New validates cfg, loads the rule file, opens the ledger and joins the
// group. Close leaves it.
func New(ctx context.Context, cfg Config) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rs, err := rules.Load(cfg.Rules)
	if err != nil {
		return nil, err
	}
	led, err := openLedger(ctx, cfg.Ledger, cfg.Group, cfg.Topic)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sluice-kafka-")
	if err != nil {
		return nil, errors.Join(err, led.Close())
	}
	g := &Gate{cfg: cfg, rs: rs, led: led, log: cfg.Logger, dir: dir}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(g.assigned),
	}
	g.cl, err = kgo.NewClient(append(opts, cfg.ClientOptions...)...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("kafka: %w", err), led.Close(), os.RemoveAll(dir))
	}
	return g, nil
}

// assigned seeks each newly assigned partition to its stored next offset.
func (g *Gate) assigned(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
	seek := map[int32]kgo.EpochOffset{}
	for _, p := range m[g.cfg.Topic] {
		off, ok, err := g.led.next(ctx, p)
		if err != nil {
			g.log.Error("ledger", "partition", p, "err", err)
			continue
		}
		if ok {
			seek[p] = kgo.EpochOffset{Epoch: -1, Offset: off}
		}
	}
	g.log.Debug("assigned", "partitions", m[g.cfg.Topic], "seek", len(seek))
	if len(seek) > 0 {
		cl.SetOffsets(map[string]map[int32]kgo.EpochOffset{g.cfg.Topic: seek})
	}
}

// Close leaves the group and closes the ledger.
func (g *Gate) Close() error {
	g.cl.Close()
	return errors.Join(g.led.Close(), os.RemoveAll(g.dir))
}

// Stats returns what this member did so far.
func (g *Gate) Stats() Stats { return g.stats }

// Run consumes until ctx is done, MaxRecords is reached or Until says stop;
// it flushes the open window and commits. A cancelled ctx is no error.
func (g *Gate) Run(ctx context.Context) error {
	g.wstart = time.Now()
	for g.cfg.MaxRecords <= 0 || g.stats.Records < g.cfg.MaxRecords {
		n := 10000
		if g.cfg.WindowRecords > 0 {
			n = g.cfg.WindowRecords - len(g.window)
		}
		if g.cfg.MaxRecords > 0 {
			n = int(min(int64(n), g.cfg.MaxRecords-g.stats.Records))
		}
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if g.cfg.WindowDuration > 0 {
			pctx, cancel = context.WithDeadline(ctx, g.wstart.Add(g.cfg.WindowDuration))
		}
		fetches := g.cl.PollRecords(pctx, n)
		cancel()
		if fetches.IsClientClosed() || ctx.Err() != nil {
			break
		}
		var ferr error
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				ferr = errors.Join(ferr, fmt.Errorf("kafka: fetch %s/%d: %w", t, p, err))
			}
		})
		if ferr != nil {
			g.cl.AllowRebalance()
			return ferr
		}
		if err := g.batch(ctx, fetches); err != nil {
			g.cl.AllowRebalance()
			return err
		}
		g.cl.AllowRebalance()
		if g.windowDone() {
			if err := g.flushWindow(ctx); err != nil {
				return err
			}
		}
		if g.cfg.Until != nil {
			total, err := g.led.count(ctx)
			if err != nil {
				return err
			}
			if g.cfg.Until(total) {
				break
			}
		}
	}
	if len(g.window) > 0 {
		return g.flushWindow(context.WithoutCancel(ctx))
	}
	return nil
}

func (g *Gate) windowDone() bool {
	if g.cfg.WindowRecords > 0 && len(g.window) >= g.cfg.WindowRecords {
		return true
	}
	return g.cfg.WindowDuration > 0 && !time.Now().Before(g.wstart.Add(g.cfg.WindowDuration))
}

// batch accounts one poll: per partition, the records past the stored next
// offset are routed, then stored with the new next offset, then committed.
func (g *Gate) batch(ctx context.Context, fetches kgo.Fetches) error {
	var err error
	var commit []*kgo.Record
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if err != nil || len(p.Records) == 0 {
			return
		}
		err = g.partition(ctx, p.Partition, p.Records)
		commit = append(commit, p.Records...)
	})
	if err != nil {
		return err
	}
	if len(commit) == 0 {
		return nil
	}
	g.stats.Batches++
	if err := g.cl.CommitRecords(ctx, commit...); err != nil {
		// The ledger holds the truth: a member that takes the partition
		// over seeks past what is stored.
		g.log.Warn("commit", "err", err)
	}
	return nil
}

func (g *Gate) partition(ctx context.Context, p int32, recs []*kgo.Record) error {
	next, ok, err := g.led.next(ctx, p)
	if err != nil {
		return err
	}
	if ok {
		i := 0
		for i < len(recs) && recs[i].Offset < next {
			i++
		}
		recs = recs[i:]
	}
	if len(recs) == 0 {
		return nil
	}
	entries := make([]entry, len(recs))
	var valid [][]byte
	for i, r := range recs {
		entries[i] = entry{offset: r.Offset, valid: isObject(r.Value), value: r.Value}
		if entries[i].valid {
			valid = append(valid, r.Value)
		}
	}
	failed, err := g.route(ctx, valid)
	if err != nil {
		return err
	}
	var out []*kgo.Record
	vi := 0
	for i, r := range recs {
		var names []string
		if entries[i].valid {
			names = failed[vi]
			vi++
		} else {
			names = []string{InvalidJSON}
		}
		topic := g.cfg.CleanTopic
		var hdr []kgo.RecordHeader
		if len(names) > 0 {
			topic = g.cfg.QuarantineTopic
			hdr = []kgo.RecordHeader{{Key: FailedRulesHeader, Value: []byte(strings.Join(names, ","))}}
			g.stats.Quarantined++
		} else {
			g.stats.Clean++
		}
		if topic != "" {
			out = append(out, &kgo.Record{Topic: topic, Key: r.Key, Value: r.Value, Headers: hdr})
		}
	}
	if len(out) > 0 {
		if err := g.cl.ProduceSync(ctx, out...).FirstErr(); err != nil {
			return fmt.Errorf("kafka: produce: %w", err)
		}
	}
	if err := g.led.store(ctx, p, entries, recs[len(recs)-1].Offset+1); err != nil {
		return err
	}
	g.stats.Records += int64(len(recs))
	g.window = append(g.window, valid...)
	return nil
}

func isObject(v []byte) bool {
	v = bytes.TrimLeft(v, " \t\r\n")
	return len(v) > 0 && v[0] == '{' && json.Valid(v)
}

// route evaluates the row rules on values and returns, per value, the
// error-severity row rules it failed.
func (g *Gate) route(ctx context.Context, values [][]byte) ([][]string, error) {
	out := make([][]string, len(values))
	if len(values) == 0 {
		return out, nil
	}
	path, err := g.ndjson("batch.ndjson", values)
	if err != nil {
		return nil, err
	}
	src := jsonconnector.NewSource(path, jsonconnector.WithSchema(g.rs.SchemaHint()))
	// A value that does not parse as its column's type is marked, not an
	// error: the row fails <column>.type, as in the gate's reports.
	mark := func(string) connectors.InvalidPolicy { return connectors.InvalidMark }
	rdr, err := src.Open(ctx, connectors.ReadOptions{Invalid: mark})
	if err != nil {
		return nil, fmt.Errorf("kafka: decode: %w", err)
	}
	defer rdr.Release()
	prog, err := g.rs.Compile(rdr.Schema())
	if err != nil {
		return nil, err
	}
	rowRules := prog.RowRules()
	run := prog.NewRun()
	row := 0
	for rdr.Next() {
		batch := rdr.RecordBatch()
		res, err := run.Eval(ctx, batch)
		if err != nil {
			return nil, err
		}
		for i, r := range rowRules {
			if r.Severity != "" && r.Severity != rules.SeverityError {
				continue
			}
			for j := range res.Rows {
				if res.FailingRow(i, j) && row+j < len(out) {
					out[row+j] = append(out[row+j], r.Name)
				}
			}
		}
		if idx := batch.Schema().FieldIndices(connectors.InvalidColumn); len(idx) == 1 {
			if col, ok := batch.Column(idx[0]).(*array.String); ok {
				for j := range res.Rows {
					if col.IsNull(j) || row+j >= len(out) {
						continue
					}
					var cols map[string]json.RawMessage
					if json.Unmarshal([]byte(col.Value(j)), &cols) != nil {
						continue
					}
					names := make([]string, 0, len(cols))
					for c := range cols {
						names = append(names, c+".type")
					}
					slices.Sort(names)
					out[row+j] = append(names, out[row+j]...)
				}
			}
		}
		row += res.Rows
	}
	if err := rdr.Err(); err != nil {
		return nil, fmt.Errorf("kafka: decode: %w", err)
	}
	if row != len(values) {
		return nil, fmt.Errorf("kafka: decode: %d rows from %d records", row, len(values))
	}
	return out, nil
}

func (g *Gate) ndjson(name string, values [][]byte) (string, error) {
	path := filepath.Join(g.dir, name)
	var buf bytes.Buffer
	for _, v := range values {
		buf.Write(v)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("kafka: %w", err)
	}
	return path, nil
}

// WindowReport is one line of the window output.
type WindowReport struct {
	Window  int             `json:"window"`
	Records int             `json:"records"`
	Start   time.Time       `json:"start"`
	Report  *quality.Report `json:"report"`
}

func (g *Gate) flushWindow(ctx context.Context) error {
	values := g.window
	g.window = nil
	start := g.wstart
	g.wstart = time.Now()
	if len(values) == 0 {
		return nil
	}
	path, err := g.ndjson("window.ndjson", values)
	if err != nil {
		return err
	}
	rep, err := g.check(ctx, path)
	if err != nil {
		return err
	}
	g.stats.Windows++
	if g.cfg.Windows == nil {
		return nil
	}
	line, err := json.Marshal(WindowReport{Window: g.stats.Windows, Records: len(values), Start: start, Report: rep})
	if err != nil {
		return err
	}
	_, err = g.cfg.Windows.Write(append(line, '\n'))
	return err
}

func (g *Gate) check(ctx context.Context, path string) (*quality.Report, error) {
	p := pipeline.Pipeline{Rules: g.cfg.Rules, RuleSet: g.rs}
	rep, err := p.Check(ctx, path)
	if err != nil {
		return nil, err
	}
	ds := Dataset(g.cfg.Brokers, g.cfg.Topic)
	rep.DatasetID = &ds
	return rep, nil
}

// Report is the cumulative report of the group: the gate's report over
// every record the ledger accounted, in (partition, offset) order. Records
// that are not JSON objects are not rows of it; a note says how many.
func (g *Gate) Report(ctx context.Context) (*quality.Report, error) {
	path := filepath.Join(g.dir, "all.ndjson")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	invalid, err := g.led.dump(ctx, f)
	if err = errors.Join(err, f.Close()); err != nil {
		return nil, err
	}
	rep, err := g.check(ctx, path)
	if err != nil {
		return nil, err
	}
	if invalid > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d records were not JSON objects: quarantined with %s=%s, not rows of this report",
			invalid, FailedRulesHeader, InvalidJSON))
	}
	return rep, nil
}
