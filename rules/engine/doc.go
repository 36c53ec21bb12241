// Package engine compiles type-checked CEL row expressions into columnar
// kernels over Arrow arrays.
//
// Compile takes cel-go's checked AST and dispatches on the overload ids of
// its reference map. Every boolean node yields two bitmaps over the batch:
// its value and an error mask, so CEL's commutative error semantics hold
// exactly (false && error is false, true || error is true, error && true is
// an error). An expression outside the supported subset is refused with
// ErrNotVectorizable and runs on the interpreter instead.
//
// # Rule sets, shared subexpressions and fallbacks
//
// A Set compiles every row expression of a rule set for one pass per
// batch: Set.Bind binds the batch's columns once, and a subexpression that
// occurs in several expressions (keyed by its canonical source) is
// evaluated once per batch and copied to each user. A plain string column
// that several predicates read is dictionary-encoded once per batch (unless
// it has too many distinct values), so each distinct value is tested once
// per predicate. Bitmaps are reused within a batch, so a pass allocates
// little whatever the rule count.
//
// With WithFallback, an operand of &&, || or !, or the condition of ?:,
// that is outside the subset is left to the interpreter row by row (the
// FallbackFunc of the bound batch), and only on the rows where the other
// operand does not already decide the result; the rest of the expression
// stays vectorized. An expression with no vectorized part is refused.
//
// # Supported subset
//
//   - columns of type int8, int16, int32 and int64 (CEL int), float32 and
//     float64 (CEL double, float32 widened exactly), bool, string,
//     large_string and dictionaries of string or large_string (any index
//     type), timestamp (any unit, with or without a time zone: read as UTC,
//     as the interpreter does), date32 and date64 (CEL timestamps at
//     midnight UTC) and duration (any unit); int, double, bool and string
//     literals;
//   - <, <=, >, >=, ==, != between int and double operands (columns,
//     literals, size(s), arithmetic, getters, casts), with CEL's
//     heterogeneous numeric comparison;
//   - arithmetic + - * / % on int operands with CEL's checked semantics
//     (overflow, division and modulus by zero, MinInt64 / -1 are errors),
//     and + - * / on double operands (IEEE: no errors); a null operand of
//     arithmetic is an error;
//   - a bool column as an operand of &&, || and ! (null is an error there),
//     and == and != between bool operands (bool columns, literals, and
//     bool-typed calls of the subset), where null equals only null;
//   - string operands: a string column, string(x) of an int column
//     (formatted in base 10 row by row, as cel-go's %d), or one read
//     through a chain of
//     lowerAscii() and upperAscii() (ext.Strings: only ASCII letters
//     change, and the string is decoded as runes, so an invalid UTF-8 byte
//     becomes U+FFFD; a null is then an error);
//   - ==, !=, <, <=, > and >= between a string operand and a string
//     literal or another string operand (ordering byte by byte, as
//     cel-go's strings.Compare; == and != treat null as a value, an
//     ordering of a null is an error);
//   - &&, || and ! over these, the literals true and false, and c ? x : y
//     with bool branches that are not bare columns;
//   - at the root, c ? x : null and c ? null : x (null or dyn(null)), the
//     form imported row conditions take: Result.NullValue marks the rows
//     whose value is null;
//   - x in [literals] for a string operand and string literals (on a plain
//     column matched on its bytes: a branch-free perfect hash of the short
//     members, lengths first), and for an
//     int or double operand and int and double literals, with the set
//     semantics of cel-go's optimized in (an int literal also stands for
//     its double value, an integral double literal for its int value);
//   - s.startsWith(lit), s.endsWith(lit), s.contains(lit), s.matches(lit)
//     and matches(s, lit) on a string operand (the RE2 pattern compiled
//     once, as cel-go compiles it with regexp, and run on a lazily built
//     automaton unless it has assertions other than ^ and $);
//   - the PII detectors is_email(s), is_phone(s), is_credit_card(s),
//     is_iban(s), is_ip(s), is_us_ssn(s), is_uk_nino(s), is_mac(s), and
//     is_json(s) and parses_date(s), on a string operand, and
//     parses_time(s, lit) and matches_json_schema(s, lit) (the layout and
//     the schema compiled once);
//   - size(s) and s.size() of a string operand;
//   - timestamp and duration operands: columns, timestamp('…'),
//     timestamp(int) and duration('…') of a literal (converted once by
//     cel-go's own conversion, so the forms cel-go's constant folding
//     writes are accepted), timestamp ± duration, duration + timestamp,
//     timestamp − timestamp and duration ± duration, with cel-go's checked
//     overflow (int64 nanoseconds; results outside 0001-01-01 to
//     9999-12-31T23:59:59.999999999Z are errors);
//   - <, <=, >, >=, ==, != between two timestamps or two durations (a null
//     equals only null, an ordering of a null is an error);
//   - getFullYear, getMonth, getDayOfMonth, getDate, getDayOfWeek,
//     getDayOfYear, getHours, getMinutes, getSeconds and getMilliseconds
//     of a timestamp, in UTC or in a literal time zone (an IANA name or a
//     [+-]hh:mm offset, parsed as cel-go parses it; a zone cel-go rejects
//     leaves the expression to the interpreter), and getHours, getMinutes,
//     getSeconds and getMilliseconds of a duration: int operands;
//   - the casts int(int) and double(double) (a null is an error),
//     int(double) (truncation; NaN, infinities and values out of
//     int64's range are errors), double(int), int(timestamp) (Unix
//     seconds), int(duration) (nanoseconds), and int(s) and double(s) of a
//     string operand (strconv.ParseInt base 10 and ParseFloat, as cel-go;
//     a string that does not parse is an error);
//   - x == null and x != null.
//
// Not vectorized (the interpreter runs them): uint, bytes and list
// operands; string(x) of anything but an int column, uint(x), bool(x) and
// bytes(x) conversions; size, int() and double() of string(x); string
// functions other than those above; a non-literal pattern, time zone or
// list element.
//
// Dictionary-encoded strings are evaluated once per dictionary entry and
// gathered by index: predicates, transforms and string casts alike.
//
// # Errors
//
// Within the subset an error arises only from a null operand of an ordering
// comparison, a string function or transform, a getter, a cast, arithmetic
// or a logical operator, from checked int, duration or timestamp
// arithmetic, or from a cast that fails. (A NaN is not an error: every
// comparison with it but != is false.) The engine marks such rows in
// Result.Err without a message; the caller re-evaluates them on the
// interpreter, which is the oracle for error messages.
package engine
