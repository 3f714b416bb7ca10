package accesslogqueryextension

import (
	"testing"
	"time"
)

// FuzzDecodeCursor: any next token is refused or decodes to a cursor that
// encodes back to an equivalent token; nothing panics.
func FuzzDecodeCursor(f *testing.F) {
	f.Add((&cursor{Sort: "start_time", Desc: true, From: 1, To: 2, ID: 3}).encode())
	v := "2026-03-01T10:00:00Z"
	f.Add((&cursor{Sort: "path", Value: &v, ID: 9}).encode())
	f.Add("eyJzIjoiIn0")
	f.Add("not-a-token")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			return
		}
		if c.ID < 0 || c.Sort == "" || c.To < c.From {
			t.Fatalf("accepted an invalid cursor %+v", c)
		}
		again, err := decodeCursor(c.encode())
		if err != nil || again.encode() != c.encode() {
			t.Fatalf("round trip: %v %+v", err, again)
		}
	})
}

// FuzzParseTime: every accepted time is UTC and a parsed RFC3339 instant
// parses back to itself.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-01T10:00:00Z", "2026-03-01T18:00:00+08:00", "2026-03-01 10:00:00",
		"1772330405", "1772330405123", "2026-03-01T10:00:00 08:00", "", "yesterday"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := parseTime(s)
		if err != nil {
			return
		}
		if ts.Location() != time.UTC {
			t.Fatalf("%q parsed to a non-UTC time %v", s, ts)
		}
		back, err := parseTime(ts.Format(time.RFC3339Nano))
		if ts.Year() >= 0 && ts.Year() <= 9999 && (err != nil || !back.Equal(ts)) {
			t.Fatalf("%q → %v → %v %v", s, ts, back, err)
		}
	})
}

// FuzzParseInterval: an accepted interval is whole seconds, at least one,
// and cuts the window into fewer than maxBuckets buckets (auto into fewer
// than autoBuckets, up to a day's buckets); nothing panics.
func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{"auto", "1m", "300", "1s", "500ms", "1h30m", "-5m", "0", "9999999999999999999", "soon"} {
		f.Add(s, int64(3600))
	}
	f.Fuzz(func(t *testing.T, s string, spanSec int64) {
		if spanSec < 0 || spanSec > 10*365*24*3600 {
			return
		}
		w := window{from: time.Unix(0, 0), to: time.Unix(spanSec, 0)}
		d, err := parseInterval(s, w)
		if err != nil || s == "" {
			return
		}
		if d < time.Second || d%time.Second != 0 {
			t.Fatalf("%q gave %v", s, d)
		}
		span := w.to.Sub(w.from)
		if s == "auto" {
			if span/d >= autoBuckets && d != autoSteps[len(autoSteps)-1] {
				t.Fatalf("auto gave %v for %v", d, span)
			}
			return
		}
		if span/d >= maxBuckets {
			t.Fatalf("%q gave %v: more than %d buckets over %v", s, d, maxBuckets, span)
		}
	})
}

// FuzzParseCoverage: any Last-Event-ID is refused or read as a position
// whose holes lie in order below its top and which prints back to
// itself; nothing panics.
func FuzzParseCoverage(f *testing.F) {
	for _, s := range []string{"4711", "4712:4690-4695", "100:1-2:4-9:50-99", "0", "-1", "5:3-2", "5:1-9", "9:1-2:2-3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCoverage(s)
		if err != nil {
			return
		}
		for i, h := range c.holes {
			if h.lo > h.hi || h.hi >= c.top || (i > 0 && h.lo <= c.holes[i-1].hi+1) {
				t.Fatalf("%q: hole %d %+v out of order in %+v", s, i, h, c)
			}
		}
		again, err := parseCoverage(c.String())
		if err != nil || again.String() != c.String() {
			t.Fatalf("%q → %q → %v %v", s, c.String(), again, err)
		}
	})
}
