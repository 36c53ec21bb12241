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
//   - columns of type int64, float64, string, large_string and dictionaries
//     of string or large_string (any index type); int, double and string
//     literals;
//   - <, <=, >, >=, ==, != between int and double operands (columns,
//     literals, size(s)), with CEL's heterogeneous numeric comparison;
//   - == and != between a string operand and a string literal;
//   - &&, || and ! over these, and the literals true and false;
//   - x in [literals] where every literal has x's type (int or string);
//   - s.startsWith(lit), s.endsWith(lit), s.contains(lit);
//   - size(s) and s.size() of a string column;
//   - x == null and x != null.
//
// Dictionary-encoded strings are evaluated once per dictionary entry and
// gathered by index.
//
// # Errors
//
// Within the subset an error arises only from a null operand of an ordering
// comparison or a string function, or from a NaN in an ordering
// comparison. The engine marks such rows in Result.Err without a message;
// the caller re-evaluates them on the interpreter, which is the oracle for
// error messages.
package engine
