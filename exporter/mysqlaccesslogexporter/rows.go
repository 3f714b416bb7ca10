package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// recordRef points back at the record a row came from: unwritten rows are
// handed back to the retry as the same records, rejected ones are dumped.
type recordRef struct {
	resource pcommon.Resource
	scope    plog.ScopeLogs
	rl       int
	sl       int
	record   plog.LogRecord
}

// row is one access_logs row, values in the order of the columns.
type row struct {
	values []any
	uid    string
	size   int // estimated bytes on the wire, at most
	text   int // estimated bytes in the statement, as usual (no escapes)
	ref    recordRef
	// aiLogDropped says why ai_log is written as NULL although the record
	// has one ("" when it is written as sent). Such an ai_log is kept in
	// the dead-letter table once the row is written.
	aiLogDropped string
	// aiLogRetried: ai_log was dropped after the database refused the row
	// (not counted by the mapper yet).
	aiLogRetried bool
}

// TIMESTAMP's range; outside it (garbage start_time) the receive time is
// used, as for a missing start_time, instead of a refused row.
var (
	minTimestamp = time.Unix(1, 0)
	maxTimestamp = time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC)
)

// mapper turns records into rows through the field table.
type mapper struct {
	cols []column
	// truncated counts, per column, values cut or nulled to fit.
	truncated map[string]int64
	// tooDeep is set by convert when it nulls an ai_log nested too deep,
	// for mapRecord to mark the row.
	tooDeep bool
	// json writes maps and slices (ai_log) as text into buf, both reused
	// from row to row.
	json accesslog.JSONWriter
	buf  []byte
}

func newMapper(cols []column) *mapper {
	return &mapper{cols: cols, truncated: map[string]int64{}}
}

// mapLogs maps every record of ld, in order. The rows' values share one
// backing array: one allocation per batch, not per row.
func (m *mapper) mapLogs(ld plog.Logs) []row {
	n, ncols := ld.LogRecordCount(), len(m.cols)
	rows := make([]row, 0, n)
	vals := make([]any, n*ncols)
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				off := len(rows) * ncols
				r := row{values: vals[off : off+ncols : off+ncols],
					ref: recordRef{resource: rl.Resource(), scope: sl, rl: i, sl: j, record: lrs.At(k)}}
				m.mapRecord(&r)
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// mapRecord fills r.values.
func (m *mapper) mapRecord(r *row) {
	r.uid = recordUID(r.ref)
	for i := range m.cols {
		v := m.value(&m.cols[i], r)
		r.values[i] = v
		r.size += valueSize(v)
		r.text += valueText(v)
	}
	if m.tooDeep {
		m.tooDeep = false
		r.aiLogDropped = tooDeepReason
	}
}

// value computes a column's value for a record.
func (m *mapper) value(c *column, r *row) any {
	f := c.field
	switch {
	case f.Attr == accesslog.AttrRecordUID:
		return r.uid
	case f.Kind == accesslog.Time:
		return timeValue(c, r.ref.record)
	}
	var v any
	if attr, ok := lookup(f, r.ref); ok {
		v = m.convert(c, attr)
	}
	if v == nil && !c.nullable {
		// A NOT NULL column of an existing table would refuse the row.
		return zeroFor(c)
	}
	return v
}

// lookup finds a field's attribute in its scope, then in the other one
// (a record from another receiver may carry instance_id on the record).
func lookup(f *accesslog.Field, ref recordRef) (pcommon.Value, bool) {
	first, second := ref.record.Attributes(), ref.resource.Attributes()
	if f.Scope == accesslog.Resource {
		first, second = second, first
	}
	if v, ok := first.Get(f.Attr); ok {
		return v, true
	}
	return second.Get(f.Attr)
}

func (m *mapper) convert(c *column, attr pcommon.Value) any {
	if attr.Type() == pcommon.ValueTypeEmpty {
		return nil
	}
	if c.field.Kind == accesslog.JSONObject {
		return m.aiLog(c, attr)
	}
	switch c.class {
	case classInt:
		// What does not read as an integer (a sender's garbage kept as
		// text) is NULL.
		n, st := accesslog.NumberOf(attr)
		i, ok := n.Integer()
		if st != accesslog.IsNumber || !ok {
			return nil
		}
		if lo, hi := intRange(c); i < lo || i > hi {
			m.truncated[c.name]++
			return nil
		}
		return i
	case classFloat:
		if n, st := accesslog.NumberOf(attr); st == accesslog.IsNumber {
			return n.AsFloat()
		}
		return nil
	case classJSON:
		return m.jsonText(attr)
	}
	s := m.text(attr)
	if s == "" {
		return nil
	}
	v, cut := fitText(s, c)
	if cut {
		m.truncated[c.name]++
	}
	return v
}

// aiLog is the ai_log column: a JSON object with its keys as sent, or
// NULL for absent, null, {} and anything that is not an object. A string
// is parsed (another receiver's, or no ailog processor before this one)
// into a copy: the exporter does not change what it is handed.
func (m *mapper) aiLog(c *column, attr pcommon.Value) any {
	obj := attr
	if attr.Type() == pcommon.ValueTypeStr {
		parsed, ok := accesslog.ParseObject(attr.Str(), false)
		if !ok {
			return nil
		}
		obj = pcommon.NewValueMap()
		parsed.MoveTo(obj.Map())
	}
	if obj.Type() != pcommon.ValueTypeMap || obj.Map().Len() == 0 {
		return nil
	}
	if tooDeep(obj, 1) {
		// The server would refuse the whole row; written without it.
		m.truncated[c.name]++
		m.tooDeep = true
		return nil
	}
	s := m.text(obj)
	if s == "" {
		return nil // not encodable (a NaN somewhere)
	}
	if c.class != classJSON {
		// Into a text column: JSON cut short is not JSON, so it is NULL
		// when it does not fit (and counted).
		v, cut := fitText(s, c)
		if cut {
			m.truncated[c.name]++
			return nil
		}
		return v
	}
	return s
}

// text is v.AsString(), maps and slices written by m.json: their JSON,
// or "" when encoding/json would refuse them (a NaN somewhere).
func (m *mapper) text(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		var ok bool
		if m.buf, ok = m.json.Append(m.buf[:0], v); !ok {
			return ""
		}
		return string(m.buf)
	}
	return v.AsString()
}

// timeValue is start_time: the record timestamp (the receiver parsed the
// sent start_time into it), as epoch seconds into an integer column and as
// a UTC instant into TIMESTAMP/DATETIME (the session zone is UTC).
func timeValue(c *column, lr plog.LogRecord) any {
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	t := ts.AsTime().UTC()
	if ts == 0 {
		t = time.Now().UTC()
	}
	switch c.class {
	case classInt:
		return t.Unix()
	case classTime:
		if c.dataType == "timestamp" && (t.Before(minTimestamp) || t.After(maxTimestamp)) {
			t = lr.ObservedTimestamp().AsTime().UTC()
			if lr.ObservedTimestamp() == 0 {
				t = time.Now().UTC()
			}
		}
		// Truncate, not round: the server would round 59.9 s up into the
		// next minute (or the next bucket of HiMarket's charts).
		return t.Truncate(time.Duration(math.Pow10(9 - min(max(c.fracSecs, 0), 6))))
	case classFloat:
		return float64(t.UnixNano()) / 1e9
	}
	s, _ := fitText(t.Format(time.RFC3339Nano), c)
	return s
}

func zeroFor(c *column) any {
	switch c.class {
	case classInt, classFloat:
		return int64(0)
	case classJSON:
		return "{}"
	case classTime:
		return time.Unix(1, 0).UTC()
	}
	return ""
}

// recordUID is the record's idempotency key: the receiver's log.record.uid,
// else a hash of the record's content, which is stable across retries and
// persistent-queue redelivery (records from other receivers have no uid).
func recordUID(ref recordRef) string {
	if v, ok := ref.record.Attributes().Get(accesslog.AttrRecordUID); ok && v.Str() != "" {
		return accesslog.CutUTF8(v.Str(), 64)
	}
	h := sha256.New()
	for _, m := range []pcommon.Map{ref.resource.Attributes(), ref.record.Attributes()} {
		v := pcommon.NewValueMap()
		m.CopyTo(v.Map())
		h.Write([]byte(v.AsString())) // keys sorted: stable
	}
	h.Write([]byte(ref.record.Body().AsString()))
	var ts [16]byte
	binary.LittleEndian.PutUint64(ts[:8], uint64(ref.record.Timestamp()))
	binary.LittleEndian.PutUint64(ts[8:], uint64(ref.record.ObservedTimestamp()))
	h.Write(ts[:])
	return "h:" + hex.EncodeToString(h.Sum(nil))[:40]
}

// valueText estimates a value's bytes in the statement text as the
// driver interpolates it, when nothing needs escaping: quotes and a comma
// around a string, a usual literal of the other types.
func valueText(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 3
	case nil:
		return 5
	case time.Time:
		return 29
	case int64:
		return 12
	default:
		return 24
	}
}

// valueSize estimates a value's bytes in the statement: escaping can
// double a string, plus quotes and a comma.
func valueSize(v any) int {
	switch x := v.(type) {
	case string:
		return 2*len(x) + 4
	case nil:
		return 5
	default:
		return 24
	}
}
