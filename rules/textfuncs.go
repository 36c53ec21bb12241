package rules

import (
	"encoding/json"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// textFunctions declares the text-format predicates as CEL functions
// string → bool: is_json(s) is true when s is one well-formed JSON value
// (RFC 8259, surrounding whitespace allowed; NaN and Infinity are not JSON).
// The vectorized engine runs the same predicate (see rules/engine).
func textFunctions() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Function("is_json",
			cel.Overload("is_json_string", []*cel.Type{cel.StringType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return types.Bool(json.Valid([]byte(s)))
				}))),
	}
}
