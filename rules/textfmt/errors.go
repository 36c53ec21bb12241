package textfmt

import "errors"

// ErrLayout is returned for a strftime layout that cannot be used.
var ErrLayout = errors.New("textfmt: invalid strftime layout")
