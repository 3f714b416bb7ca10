package accesslog

import (
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Number is a numeric value read by the rules every component shares:
// JSON numbers and numeric strings ("10", " 10 ", "10.0", "1e3", "0.5"),
// as senders write both; integral values are integers so that token sums
// stay exact; NaN and ±Inf are not numbers any column or backend can use.
type Number struct {
	Int     int64
	Float   float64
	IsFloat bool
}

// ParseNumber reads a JSON number's text or a numeric string. ok is false
// for anything else, and for a number beyond float64 (1e400).
func ParseNumber(s string) (n Number, ok bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Number{Int: i}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Number{}, false
	}
	return FloatNumber(f)
}

// FloatNumber makes integral values integers (12.0 → 12); NaN and ±Inf
// are not numbers.
func FloatNumber(f float64) (Number, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Number{}, false
	}
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return Number{Int: int64(f)}, true
	}
	return Number{Float: f, IsFloat: true}, true
}

// NumberState says what NumberOf found.
type NumberState uint8

const (
	// NoNumber: the value is empty or "" — absent, not an error.
	NoNumber NumberState = iota
	// IsNumber: n holds it.
	IsNumber
	// NotANumber: a value that is not a number (text, a bool, a map …).
	NotANumber
)

// NumberOf reads an attribute value: ints, finite doubles and numeric
// strings are numbers.
func NumberOf(v pcommon.Value) (Number, NumberState) {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return Number{}, NoNumber
	case pcommon.ValueTypeInt:
		return Number{Int: v.Int()}, IsNumber
	case pcommon.ValueTypeDouble:
		return numberState(FloatNumber(v.Double()))
	case pcommon.ValueTypeStr:
		if strings.TrimSpace(v.Str()) == "" {
			return Number{}, NoNumber
		}
		return numberState(ParseNumber(v.Str()))
	}
	return Number{}, NotANumber
}

func numberState(n Number, ok bool) (Number, NumberState) {
	if !ok {
		return Number{}, NotANumber
	}
	return n, IsNumber
}

// Integer is n when it is integral.
func (n Number) Integer() (int64, bool) { return n.Int, !n.IsFloat }

// AsFloat is n as a float64.
func (n Number) AsFloat() float64 {
	if n.IsFloat {
		return n.Float
	}
	return float64(n.Int)
}

// Positive reports n > 0.
func (n Number) Positive() bool { return n.AsFloat() > 0 }

// Put stores n as an int or, when fractional, a double.
func (n Number) Put(dst pcommon.Value) {
	if n.IsFloat {
		dst.SetDouble(n.Float)
		return
	}
	dst.SetInt(n.Int)
}

// Raw is n as pcommon.Value.FromRaw takes it.
func (n Number) Raw() any {
	if n.IsFloat {
		return n.Float
	}
	return n.Int
}
