package jsonconnector

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sluicedata/sluice/connectors"
)

// scanner walks the records of an NDJSON file or a JSON array of objects,
// one key at a time, with positions.
type scanner struct {
	path  string
	f     io.Closer
	lt    *lineTracker
	dec   *json.Decoder
	array bool
	open  bool // the first record's '{' was consumed by format detection
	done  bool
	// skip, when not nil, says which keys' values next walks over without
	// copying them: fn gets a nil raw value for them.
	skip func(key string) bool
	raw  json.RawMessage // the value last read, reused
}

// skipped is decoded into to walk over a value: the decoder checks its
// syntax and builds nothing.
type skipped struct{}

func (*skipped) UnmarshalJSON([]byte) error { return nil }

// openScanner opens the input of s, for a look at its start when sniff.
func openScanner(ctx context.Context, s *Source, sniff bool) (*scanner, error) {
	var f io.ReadCloser
	var err error
	if sniff {
		f, err = s.in.Sniff(ctx)
	} else {
		f, err = s.in.Open(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("jsonconnector: %w", err)
	}
	path := s.path
	lim := newLimiter(f, s.cfg.limits, func(line, col int, err error) error {
		return fmt.Errorf("jsonconnector: %w", &connectors.InputError{Path: path, Line: line, Column: col, Err: err})
	})
	lt := newLineTracker(bufio.NewReaderSize(lim, 256<<10))
	dec := json.NewDecoder(lt)
	dec.UseNumber()
	sc := &scanner{path: path, f: f, lt: lt, dec: dec}
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		sc.done = true
	case err != nil:
		f.Close()
		return nil, sc.syntaxErr(err)
	case tok == json.Delim('['):
		sc.array = true
	case tok == json.Delim('{'):
		sc.open = true
	default:
		f.Close()
		return nil, sc.errorAt(dec.InputOffset(), "", fmt.Errorf("expected a JSON object or an array of objects, found %s", tokenKind(tok)))
	}
	return sc, nil
}

func (sc *scanner) close() {
	if sc.f != nil {
		sc.f.Close() // read only
		sc.f = nil
	}
}

// errorAt returns an *InputError at byte offset off.
func (sc *scanner) errorAt(off int64, field string, err error) error {
	line, col := sc.lt.position(off)
	return fmt.Errorf("jsonconnector: %w", &connectors.InputError{Path: sc.path, Line: line, Column: col, Field: field, Err: err})
}

// syntaxErr locates an error of the decoder. Errors of the input itself
// (a limit, a cancelled read) pass through.
func (sc *scanner) syntaxErr(err error) error {
	var ie *connectors.InputError
	if errors.As(err, &ie) {
		return err
	}
	off := sc.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	default:
		return fmt.Errorf("jsonconnector: %s: %w", sc.path, err)
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return sc.errorAt(off, "", fmt.Errorf("malformed JSON: %w", err))
}

// valueStart returns the offset of the next non-space byte, as far as the
// decoder's buffer tells.
func (sc *scanner) valueStart() int64 {
	off := sc.dec.InputOffset()
	buf := sc.dec.Buffered()
	var b [1]byte
	for {
		if n, _ := buf.Read(b[:]); n == 0 {
			return off
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
}

// next reads the next record, calling fn for each key with the raw value
// and its start offset (nil, and the offset of the key's end, for a key
// skip skips). raw is valid until fn returns. It returns false at the end
// of the input.
func (sc *scanner) next(fn func(key string, raw json.RawMessage, off int64) error) (bool, error) {
	if sc.done {
		return false, nil
	}
	if !sc.open {
		if sc.array && !sc.dec.More() {
			if _, err := sc.dec.Token(); err != nil { // ']'
				return false, sc.syntaxErr(err)
			}
			if _, err := sc.dec.Token(); !errors.Is(err, io.EOF) {
				return false, sc.errorAt(sc.dec.InputOffset(), "", errors.New("data after the top-level array"))
			}
			sc.done = true
			return false, nil
		}
		start := sc.valueStart()
		tok, err := sc.dec.Token()
		if !sc.array && errors.Is(err, io.EOF) {
			sc.done = true
			return false, nil
		}
		if err != nil {
			return false, sc.syntaxErr(err)
		}
		if tok != json.Delim('{') {
			return false, sc.errorAt(start, "", fmt.Errorf("expected an object, found %s", tokenKind(tok)))
		}
	}
	sc.open = false
	for sc.dec.More() {
		tok, err := sc.dec.Token()
		if err != nil {
			return false, sc.syntaxErr(err)
		}
		key, ok := tok.(string)
		if !ok {
			return false, sc.errorAt(sc.dec.InputOffset(), "", errors.New("expected an object key"))
		}
		if sc.skip != nil && sc.skip(key) {
			off := sc.dec.InputOffset()
			if err := sc.dec.Decode(&skipped{}); err != nil {
				return false, sc.syntaxErr(err)
			}
			if err := fn(key, nil, off); err != nil {
				return false, err
			}
			continue
		}
		sc.raw = sc.raw[:0]
		if err := sc.dec.Decode(&sc.raw); err != nil {
			return false, sc.syntaxErr(err)
		}
		if err := fn(key, sc.raw, sc.dec.InputOffset()-int64(len(sc.raw))); err != nil {
			return false, err
		}
	}
	if _, err := sc.dec.Token(); err != nil { // '}'
		return false, sc.syntaxErr(err)
	}
	sc.lt.prune(sc.dec.InputOffset())
	return true, nil
}

// tokenKind names the kind of a decoder token without its value, which
// may be data.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", tok)
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a value"
}
