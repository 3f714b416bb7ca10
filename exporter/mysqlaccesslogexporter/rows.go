package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
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
	// span is values through the end of the batch's backing array, so that
	// insertChunk can pass consecutive rows as they are.
	span []any
	uid  string
	size int // estimated bytes on the wire
	ref  recordRef
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
	// slots is, per column, its attribute's slot in attrSet.
	slots []int
	// truncated counts, per column, values cut or nulled to fit.
	truncated map[string]int64
	// tooDeep is set by convert when it nulls an ai_log nested too deep,
	// for mapRecord to mark the row.
	tooDeep bool
	// rec and res are the current record's and resource's attributes.
	rec, res attrSet
	texts    textArena
	json     jsonWriter
	scratch  []byte
}

func newMapper(cols []column) *mapper {
	m := &mapper{cols: cols, truncated: map[string]int64{}, rec: newAttrSet(), res: newAttrSet(), slots: make([]int, len(cols))}
	for i := range cols {
		slot, ok := attrSlots[cols[i].field.Attr]
		if !ok {
			slot = -1 // not a field-table attribute: looked up by name
		}
		m.slots[i] = slot
	}
	return m
}

// mapLogs maps every record of ld, in order. The rows' values share one
// backing array (one allocation per batch, not per row).
func (m *mapper) mapLogs(ld plog.Logs) []row {
	n, ncols := ld.LogRecordCount(), len(m.cols)
	rows := make([]row, 0, n)
	vals := make([]any, n*ncols)
	m.texts = newTextArena(n)
	m.json.text = &m.texts
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		m.res.read(rl.Resource().Attributes())
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				ref := recordRef{resource: rl.Resource(), scope: sl, rl: i, sl: j, record: lrs.At(k)}
				off := len(rows) * ncols
				r := row{values: vals[off : off+ncols : off+ncols], span: vals[off:], ref: ref}
				m.mapRecord(&r)
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// mapRecord fills r.values; the resource's attributes are already in m.res.
func (m *mapper) mapRecord(r *row) {
	m.rec.read(r.ref.record.Attributes())
	uid, ok := m.rec.get(uidSlot)
	r.uid = recordUIDFrom(uid, ok, r.ref)
	for i := range m.cols {
		v := m.value(i, r)
		r.values[i] = v
		r.size += valueSize(v)
	}
	if m.tooDeep {
		m.tooDeep = false
		r.aiLogDropped = "ai_log nested deeper than " + itoa(maxAILogNesting) + " levels (MariaDB's JSON limit)"
	}
}

// value computes column i's value for a record.
func (m *mapper) value(i int, r *row) any {
	c := &m.cols[i]
	f := c.field
	if f == &accesslog.RecordUID {
		return r.uid
	}
	if f.Kind == accesslog.Time {
		return m.timeValue(c, r.ref.record)
	}
	var attr pcommon.Value
	var ok bool
	if slot := m.slots[i]; slot >= 0 {
		attr, ok = m.attr(f, slot)
	} else {
		attr, ok = lookup(f, r.ref)
	}
	var v any
	if ok {
		v = m.convert(c, f, attr)
	}
	if v == nil && !c.nullable {
		// A NOT NULL column of an existing table would refuse the row.
		return zeroFor(c)
	}
	return v
}

// attr is lookup over the attributes read into slots.
func (m *mapper) attr(f *accesslog.Field, slot int) (pcommon.Value, bool) {
	first, second := &m.rec, &m.res
	if f.Scope == accesslog.Resource {
		first, second = second, first
	}
	if v, ok := first.get(slot); ok {
		return v, true
	}
	return second.get(slot)
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

func (m *mapper) convert(c *column, f *accesslog.Field, attr pcommon.Value) any {
	if attr.Type() == pcommon.ValueTypeEmpty {
		return nil
	}
	if f.Kind == accesslog.JSONObject {
		if aiLogTooDeep(attr) {
			// The server would refuse the whole row; written without it.
			m.truncated[c.name]++
			m.tooDeep = true
			return nil
		}
		s := m.json.aiLog(attr)
		if s == "" {
			return nil
		}
		if c.class != classJSON {
			// Into a text column: JSON cut short is not JSON, so it is
			// NULL when it does not fit (and counted).
			v, cut := fitText(s, c)
			if cut {
				m.truncated[c.name]++
				return nil
			}
			return v
		}
		return s
	}
	switch c.class {
	case classInt:
		n, ok := intValue(attr)
		if !ok {
			return nil
		}
		if lo, hi := intRange(c); n < lo || n > hi {
			m.truncated[c.name]++
			return nil
		}
		return n
	case classFloat:
		if x, ok := floatValue(attr); ok {
			return x
		}
		return nil
	case classJSON:
		if s, ok := m.json.encode(attr); ok && s != "null" {
			return s
		}
		return nil
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

// timeValue is start_time: the record timestamp (the receiver parsed the
// sent start_time into it), as epoch seconds into an integer column and as
// a UTC instant into TIMESTAMP/DATETIME (the session zone is UTC).
func (m *mapper) timeValue(c *column, lr plog.LogRecord) any {
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
	m.scratch = t.AppendFormat(m.scratch[:0], time.RFC3339Nano)
	s, _ := fitText(m.texts.copy(m.scratch), c)
	return s
}

// text is textValue, with integers formatted into the batch's text arena
// rather than one allocation each.
func (m *mapper) text(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeInt {
		m.scratch = strconv.AppendInt(m.scratch[:0], v.Int(), 10)
		return m.texts.copy(m.scratch)
	}
	return textValue(v)
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
	v, ok := ref.record.Attributes().Get(accesslog.AttrRecordUID)
	return recordUIDFrom(v, ok, ref)
}

// recordUIDFrom is recordUID with the record's uid attribute already found.
func recordUIDFrom(v pcommon.Value, ok bool, ref recordRef) string {
	if ok && v.Str() != "" {
		return accesslog.CutUTF8(v.Str(), 64)
	}
	h := sha256.New()
	h.Write([]byte(marshalJSON(ref.resource.Attributes().AsRaw())))
	h.Write([]byte(marshalJSON(ref.record.Attributes().AsRaw())))
	h.Write([]byte(ref.record.Body().AsString()))
	var ts [16]byte
	for i, v := range []uint64{uint64(ref.record.Timestamp()), uint64(ref.record.ObservedTimestamp())} {
		for b := range 8 {
			ts[i*8+b] = byte(v >> (8 * b))
		}
	}
	h.Write(ts[:])
	return "h:" + hex.EncodeToString(h.Sum(nil))[:40]
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
