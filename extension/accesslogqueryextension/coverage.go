package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// span is the ids lo..hi, both included.
type span struct{ lo, hi int64 }

// coverage is the set of ids a reader is done with: every id up to top
// except the holes (sorted, disjoint, inside top). Ids are not assumed to
// arrive in order: a row may commit after one with a higher id (ids are
// handed out before commit; TiDB servers each hand out their own range
// unless AUTO_ID_CACHE=1; a writer may choose ids), so a single "last id"
// would miss it. The holes are where such rows can still appear.
type coverage struct {
	top   int64
	holes []span
}

// maxHoles bounds a coverage (and so a Last-Event-ID): beyond it the
// lowest holes are given up, as rows no longer expected.
const maxHoles = 64

// spans is the coverage as sorted disjoint spans.
func (c coverage) spans() []span {
	out := make([]span, 0, len(c.holes)+1)
	lo := int64(math.MinInt64)
	for _, h := range c.holes {
		if h.lo > lo {
			out = append(out, span{lo, h.lo - 1})
		}
		lo = h.hi + 1
	}
	if lo <= c.top {
		out = append(out, span{lo, c.top})
	}
	return out
}

// fromSpans is the coverage of sorted disjoint spans starting at
// math.MinInt64 (what every coverage's spans do).
func fromSpans(s []span) coverage {
	if len(s) == 0 {
		return coverage{top: math.MinInt64}
	}
	c := coverage{top: s[len(s)-1].hi}
	for i := 1; i < len(s); i++ {
		c.holes = append(c.holes, span{s[i-1].hi + 1, s[i].lo - 1})
	}
	if len(c.holes) > maxHoles {
		c.holes = append([]span(nil), c.holes[len(c.holes)-maxHoles:]...)
	}
	return c
}

// missing is what other covers and c does not, as sorted spans: the ids
// a reader at c still has to read to catch up with other.
func (c coverage) missing(other coverage) []span {
	return subtract(other.spans(), c.spans())
}

// with is c plus the spans of add up to and including upTo.
func (c coverage) with(add []span, upTo int64) coverage {
	var clipped []span
	for _, s := range add {
		if s.lo > upTo {
			break
		}
		clipped = append(clipped, span{s.lo, min(s.hi, upTo)})
	}
	return fromSpans(union(c.spans(), clipped))
}

// subtract is a minus b (both sorted and disjoint).
func subtract(a, b []span) []span {
	var out []span
	j := 0
	for _, s := range a {
		lo := s.lo
		for j < len(b) && b[j].hi < lo {
			j++
		}
		k := j
		for k < len(b) && b[k].lo <= s.hi {
			if b[k].lo > lo {
				out = append(out, span{lo, b[k].lo - 1})
			}
			if b[k].hi >= s.hi {
				lo = s.hi + 1
				break
			}
			lo = b[k].hi + 1
			k++
		}
		if lo <= s.hi {
			out = append(out, span{lo, s.hi})
		}
	}
	return out
}

// union merges two sorted disjoint span lists, joining adjacent spans.
func union(a, b []span) []span {
	all := make([]span, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var s span
		if j >= len(b) || (i < len(a) && a[i].lo <= b[j].lo) {
			s, i = a[i], i+1
		} else {
			s, j = b[j], j+1
		}
		if n := len(all); n > 0 && (s.lo <= all[n-1].hi || all[n-1].hi != math.MaxInt64 && s.lo == all[n-1].hi+1) {
			all[n-1].hi = max(all[n-1].hi, s.hi)
			continue
		}
		all = append(all, s)
	}
	return all
}

// String is the coverage as an SSE event id: "<top>", then ":lo-hi" per
// hole. A plain row id (what streams sent before) reads as a coverage
// without holes.
func (c coverage) String() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.top, 10))
	for _, h := range c.holes {
		b.WriteString(":" + strconv.FormatInt(h.lo, 10) + "-" + strconv.FormatInt(h.hi, 10))
	}
	return b.String()
}

var errBadEventID = errors.New("not an id this stream sent")

// parseCoverage reads an event id. It is client input: bounded, and
// every hole must lie in order below top.
func parseCoverage(s string) (coverage, error) {
	parts := strings.Split(s, ":")
	if len(parts) > maxHoles+1 {
		return coverage{}, errBadEventID
	}
	top, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || top < 0 {
		return coverage{}, errBadEventID
	}
	c := coverage{top: top}
	prev := int64(math.MinInt64)
	for _, p := range parts[1:] {
		los, his, ok := strings.Cut(p, "-")
		lo, err1 := strconv.ParseInt(los, 10, 64)
		hi, err2 := strconv.ParseInt(his, 10, 64)
		if !ok || err1 != nil || err2 != nil || lo > hi || hi >= top || (len(c.holes) > 0 && lo <= prev+1) {
			return coverage{}, errBadEventID
		}
		c.holes = append(c.holes, span{lo, hi})
		prev = hi
	}
	return c, nil
}
