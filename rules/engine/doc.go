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
// # Supported subset
//
//   - columns of type int8, int16, int32 and int64 (CEL int), float32 and
//     float64 (CEL double, float32 widened exactly), bool, string,
//     large_string and dictionaries of string or large_string (any index
//     type); int, double, bool and string literals;
//   - <, <=, >, >=, ==, != between int and double operands (columns,
//     literals, size(s), arithmetic), with CEL's heterogeneous numeric
//     comparison;
//   - arithmetic + - * / % on int operands with CEL's checked semantics
//     (overflow, division and modulus by zero, MinInt64 / -1 are errors),
//     and + - * / on double operands (IEEE: no errors); a null operand of
//     arithmetic is an error;
//   - a bool column as an operand of &&, || and ! (null is an error there),
//     and == and != between bool operands (bool columns, literals, and
//     bool-typed calls of the subset), where null equals only null;
//   - == and != between a string operand and a string literal;
//   - &&, || and ! over these, and the literals true and false;
//   - x in [literals] where every literal has x's type (int or string);
//   - s.startsWith(lit), s.endsWith(lit), s.contains(lit);
//   - the PII detectors is_email(s), is_phone(s), is_credit_card(s),
//     is_iban(s), is_ip(s), is_us_ssn(s), is_uk_nino(s), is_mac(s);
//   - size(s) and s.size() of a string column;
//   - x == null and x != null.
//
// Dictionary-encoded strings are evaluated once per dictionary entry and
// gathered by index.
//
// # Errors
//
// Within the subset an error arises only from a null operand of an ordering
// comparison, a string function, arithmetic or a logical operator, from a
// NaN in an ordering comparison, or from checked int arithmetic. The engine marks such rows in Result.Err without a message;
// the caller re-evaluates them on the interpreter, which is the oracle for
// error messages.
package engine
