package mysqlaccesslogexporter

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// TestAttrSetMatchesLookup: reading attributes once into slots finds what
// lookup (Map.Get per field) finds, with repeated keys, empty values and
// fields in the other scope; the memo follows records in other orders.
func TestAttrSetMatchesLookup(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(accesslog.AttrInstanceID, "gw-res")
	rl.Resource().Attributes().PutStr(accesslog.AttrMethod, "FROM-RESOURCE")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range 6 {
		attrs := lrs.AppendEmpty().Attributes()
		for j := range accesslog.Fields {
			f := &accesslog.Fields[(j*(i+1)+i)%len(accesslog.Fields)] // a different order per record
			switch (i + j) % 4 {
			case 0:
				attrs.PutStr(f.Attr, fmt.Sprintf("%d-%d", i, j))
			case 1:
				attrs.PutEmpty(f.Attr)
			case 2:
				attrs.PutInt(f.Attr, int64(j))
			}
		}
		attrs.PutStr("unknown.attr", "x")
	}
	fields := make([]*accesslog.Field, 0, len(accesslog.Fields)+1)
	for i := range accesslog.Fields {
		fields = append(fields, &accesslog.Fields[i])
	}
	fields = append(fields, &accesslog.RecordUID)

	mp := newMapper(nil)
	mp.res.read(rl.Resource().Attributes())
	for k := range lrs.Len() {
		ref := recordRef{resource: rl.Resource(), record: lrs.At(k)}
		mp.rec.read(ref.record.Attributes())
		for _, f := range fields {
			want, wantOK := lookup(f, ref)
			got, gotOK := mp.attr(f, attrSlots[f.Attr])
			require.Equal(t, wantOK, gotOK, f.Attr)
			if wantOK {
				require.True(t, want.Equal(got), "%s: %s vs %s", f.Attr, want.AsString(), got.AsString())
			}
		}
	}
}

// TestAttrSetRepeatedKey: of a repeated attribute the first is read.
func TestAttrSetRepeatedKey(t *testing.T) {
	v := pcommon.NewValueMap()
	v.Map().PutStr(accesslog.AttrPath, "/first")
	v.Map().PutStr("other", "/second")
	rep, ok := collideKeys(v, func(int) int { return 1 })
	require.True(t, ok)
	require.Equal(t, 2, rep.Map().Len())
	s := newAttrSet()
	s.read(rep.Map())
	got, ok := s.get(attrSlots[accesslog.AttrPath])
	require.True(t, ok)
	assert.Equal(t, "/first", got.Str())
}
