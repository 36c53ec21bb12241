package rules

import (
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"github.com/sluicedata/sluice/rules/pii"
)

// piiFunctions declares the detector functions of package pii as CEL
// functions string → bool: is_email(s), is_phone(s), is_credit_card(s),
// is_iban(s), is_ip(s), is_us_ssn(s), is_uk_nino(s) and is_mac(s).
func piiFunctions() []cel.EnvOption {
	fns := []struct {
		name string
		f    func(string) bool
	}{
		{"is_email", pii.IsEmail},
		{"is_phone", pii.IsPhone},
		{"is_credit_card", pii.IsCreditCard},
		{"is_iban", pii.IsIBAN},
		{"is_ip", pii.IsIP},
		{"is_us_ssn", pii.IsUSSSN},
		{"is_uk_nino", pii.IsUKNINO},
		{"is_mac", pii.IsMAC},
	}
	opts := make([]cel.EnvOption, 0, len(fns))
	for _, fn := range fns {
		f := fn.f
		opts = append(opts, cel.Function(fn.name,
			cel.Overload(fn.name+"_string", []*cel.Type{cel.StringType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.(types.String)
					if !ok {
						return types.MaybeNoSuchOverloadErr(v)
					}
					return types.Bool(f(string(s)))
				}))))
	}
	return opts
}
