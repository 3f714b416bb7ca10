package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// pcommon.Map.Get is a linear scan: a Get per column costs columns ×
// attributes string comparisons per record. Instead each attribute map is
// read once into slots, one per attribute name the field table knows.

// attrSlots numbers the attribute names of the field table (and the uid).
var attrSlots = func() map[string]int {
	m := map[string]int{}
	add := func(attr string) {
		if _, ok := m[attr]; !ok {
			m[attr] = len(m)
		}
	}
	for i := range accesslog.Fields {
		add(accesslog.Fields[i].Attr)
	}
	add(accesslog.RecordUID.Attr)
	return m
}()

var uidSlot = attrSlots[accesslog.AttrRecordUID]

// attrSet is one attribute map read into slots: for each slot the first
// attribute of that name, as Map.Get would find it.
type attrSet struct {
	vals  []pcommon.Value
	found []bool
	// memo remembers the slot of the key seen at each position: records
	// from one sender list their attributes in the same order, so the
	// next record usually needs a string comparison, not a hash lookup.
	memo []keySlot
}

type keySlot struct {
	key  string
	slot int
}

func newAttrSet() attrSet {
	return attrSet{vals: make([]pcommon.Value, len(attrSlots)), found: make([]bool, len(attrSlots))}
}

func (s *attrSet) read(attrs pcommon.Map) {
	clear(s.found)
	i := 0
	for k, v := range attrs.All() {
		slot := s.slotAt(i, k)
		i++
		if slot >= 0 && !s.found[slot] {
			s.vals[slot], s.found[slot] = v, true
		}
	}
}

func (s *attrSet) slotAt(i int, k string) int {
	if i < len(s.memo) && s.memo[i].key == k {
		return s.memo[i].slot
	}
	slot, ok := attrSlots[k]
	if !ok {
		slot = -1
	}
	if i < len(s.memo) {
		s.memo[i] = keySlot{k, slot}
	} else {
		s.memo = append(s.memo, keySlot{k, slot})
	}
	return slot
}

// get is the attribute in the slot, if the map had it.
func (s *attrSet) get(slot int) (pcommon.Value, bool) {
	if s.found[slot] {
		return s.vals[slot], true
	}
	return pcommon.Value{}, false
}
