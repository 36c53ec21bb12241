package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"

	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

// maxBatchSize is the largest --batch-size: connectors.MaxBatchSize, the
// most rows a Source reads into one batch.
const maxBatchSize = 1 << 22

// checkBatchSize validates a --batch-size flag of command cmd.
func checkBatchSize(cmd string, n int) error {
	if n < 1 || n > maxBatchSize {
		return usageErrorf("%s: --batch-size must be between 1 and %d rows, not %d", cmd, maxBatchSize, n)
	}
	return nil
}

// urlRE matches a location that is a URL (a database, an object store),
// not a file path.
var urlRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// location is what a path on the command line or in a rule file names,
// resolved so that two spellings of one file compare equal.
type location struct {
	arg  string      // as given, for messages
	what string      // "INPUT", "--quarantine", "the reference dataset of rule x", …
	key  string      // absolute, cleaned, symlinks resolved; or the URL as given
	info os.FileInfo // nil when the file does not exist (yet)
}

// locate resolves arg: a URL stays as it is; a path becomes absolute and
// clean, with the symlinks of the longest existing prefix resolved, and is
// stat'ed for its device and inode.
func locate(arg, what string) location {
	l := location{arg: arg, what: what, key: arg}
	if urlRE.MatchString(arg) {
		return l
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return l
	}
	l.key = resolve(abs)
	if info, err := os.Stat(arg); err == nil {
		l.info = info
	}
	return l
}

// resolve resolves the symlinks of abs; when abs does not exist, those of
// its nearest existing ancestor, keeping the rest as it is.
func resolve(abs string) string {
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	// A dangling symlink names its target.
	if target, err := os.Readlink(abs); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		if target != abs {
			return resolve(filepath.Clean(target))
		}
	}
	dir, base := filepath.Split(abs)
	dir = filepath.Clean(dir)
	if dir == abs || base == "" {
		return abs
	}
	return filepath.Join(resolve(dir), base)
}

// same reports whether two locations are one file: equal resolved paths,
// or the same device and inode (hard links, bind mounts).
func (l location) same(o location) bool {
	if l.key == o.key {
		return true
	}
	return l.info != nil && o.info != nil && os.SameFile(l.info, o.info)
}

// errOutputClash marks an output that would overwrite something the run
// reads or writes (exit 2).
var errOutputClash = errors.New("an output must not be an input, a reference dataset, the rule file or the other output")

// checkOutputs refuses outputs that would overwrite what the run reads
// (an INPUT, a reference dataset of a missing_references or row_count check, the rule
// file), what it records to (the history store, default or not, and the
// lineage file) or the other output. refs may be nil (checked again once the rule
// set is compiled).
func checkOutputs(f *checkFlags, inputs []string, refs []rules.Reference) error {
	var outs []location
	if f.out != "" {
		outs = append(outs, locate(f.out, "--out"))
	}
	if f.quarantine != "" {
		outs = append(outs, locate(f.quarantine, "--quarantine"))
	}
	if f.html != "" {
		outs = append(outs, locate(f.html, "--html"))
	}
	if len(outs) == 0 {
		return nil
	}
	var others []location
	for _, in := range inputs {
		others = append(others, locate(in, "the INPUT"))
	}
	for _, r := range refs {
		others = append(others, locate(r.Dataset, "a reference dataset of a check (missing_references, row_count)"))
	}
	others = append(others, locate(f.rules, "the rule file (--rules)"))
	others = append(others, historyLocations(f)...)
	if f.lineage.file != "" && !f.lineage.off && f.lineage.url == "" {
		others = append(others, locate(f.lineage.file, "the lineage file (--lineage-file)"))
	}
	for i := range outs {
		for j := i + 1; j < len(outs); j++ {
			if outs[i].same(outs[j]) {
				return clash(outs[i], outs[j])
			}
		}
	}
	for _, o := range outs {
		for _, x := range others {
			if o.same(x) {
				return clash(o, x)
			}
		}
	}
	return nil
}

// historyLocations are the files of the history store a check writes:
// the one --history names or the default one, with SQLite's companion
// files (write-ahead log, shared memory, rollback journal). None with
// --no-history; a postgres:// URL as given.
func historyLocations(f *checkFlags) []location {
	if f.noHistory {
		return nil
	}
	what := "the history store (--history)"
	if !f.historySet {
		what = "the default history store (--no-history turns it off)"
	}
	d, err := history.ParseDSN(f.history)
	if err != nil || d.Backend != history.BackendSQLite {
		// Refused when the store is opened, or not a file.
		return []location{locate(f.history, what)}
	}
	out := []location{locate(d.Path, what)}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		out = append(out, locate(d.Path+suffix, "a companion file of "+what))
	}
	return out
}

func clash(out, other location) error {
	same := "the same file as " + other.what + " " + other.arg
	if out.arg == other.arg {
		same = other.what
	}
	return &usageError{
		msg: "check: " + out.what + " " + out.arg + " is " + same + ": the write would destroy it; choose another path",
		err: errOutputClash,
	}
}
