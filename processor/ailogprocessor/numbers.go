package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// number is a parsed numeric ai_log value: an int, or a double when fractional.
type number struct {
	i       int64
	f       float64
	isFloat bool
}

type numState int

const (
	// numAbsent: no value, or "" — absent for the fallbacks, not counted.
	numAbsent numState = iota
	numOK
	// numInvalid: a value that is not a number; kept as sent and counted.
	numInvalid
)

// parseNumber reads JSON numbers and numeric strings ("10", " 10 ", "10.0",
// "1e3", "0.5"); ai-statistics writes both forms depending on version.
func parseNumber(v pcommon.Value) (number, numState) {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return number{}, numAbsent
	case pcommon.ValueTypeInt:
		return number{i: v.Int()}, numOK
	case pcommon.ValueTypeDouble:
		return fromFloat(v.Double())
	case pcommon.ValueTypeStr:
		t := strings.TrimSpace(v.Str())
		if t == "" {
			return number{}, numAbsent
		}
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return number{i: i}, numOK
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return number{}, numInvalid
		}
		return fromFloat(f)
	}
	return number{}, numInvalid
}

// fromFloat makes integral values ints (12.0 → 12) so token sums stay exact;
// NaN and ±Inf are not numbers any column or backend can use.
func fromFloat(f float64) (number, numState) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return number{}, numInvalid
	}
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return number{i: int64(f)}, numOK
	}
	return number{f: f, isFloat: true}, numOK
}

func (n number) put(dst pcommon.Value) {
	if n.isFloat {
		dst.SetDouble(n.f)
		return
	}
	dst.SetInt(n.i)
}

func (n number) positive() bool {
	if n.isFloat {
		return n.f > 0
	}
	return n.i > 0
}
