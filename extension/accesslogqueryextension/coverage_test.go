package accesslogqueryextension

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCoverage(t *testing.T) {
	const lowest = math.MinInt64
	table := coverage{top: 20, holes: []span{{5, 7}, {12, 12}}}
	assert.Equal(t, []span{{lowest, 4}, {8, 11}, {13, 20}}, table.spans())
	assert.Equal(t, "20:5-7:12-12", table.String())

	// A reader at 10 with a hole 3–4 still has to read what appeared
	// there and everything above 10 the table has (12 is missing there).
	reader := coverage{top: 10, holes: []span{{3, 4}}}
	assert.Equal(t, []span{{3, 4}, {11, 11}, {13, 20}}, reader.missing(table))
	assert.Empty(t, table.missing(table))

	// Reading up to 15 of those: 3–4, 11 and 13–15 are dealt with; 12,
	// missing in the table, stays open below the new top.
	after := reader.with(reader.missing(table), 15)
	assert.Equal(t, coverage{top: 15, holes: []span{{12, 12}}}, after)
	assert.Equal(t, []span{{16, 20}}, after.missing(table))

	// A plain row id, as streams sent it before: everything up to it.
	c, err := parseCoverage("4711")
	assert.NoError(t, err)
	assert.Equal(t, coverage{top: 4711}, c)
	for _, bad := range []string{"", "x", "-1", "10:5", "10:7-5", "10:3-12", "10:5-6:6-8", "10:5-6:7-8", "10:5-6:1-2"} {
		_, err := parseCoverage(bad)
		assert.Error(t, err, bad)
	}
}

func TestSpanSets(t *testing.T) {
	assert.Equal(t, []span{{1, 2}, {8, 10}}, subtract([]span{{1, 10}}, []span{{3, 7}}))
	assert.Equal(t, []span{{1, 10}}, subtract([]span{{1, 10}}, []span{{20, 30}}))
	assert.Empty(t, subtract([]span{{1, 10}}, []span{{0, 11}}))
	assert.Equal(t, []span{{1, 1}, {5, 5}}, subtract([]span{{1, 5}}, []span{{2, 4}, {6, 9}}))
	assert.Equal(t, []span{{1, 10}}, union([]span{{1, 4}}, []span{{5, 10}}), "adjacent spans join")
	assert.Equal(t, []span{{1, 3}, {5, 9}}, union([]span{{5, 6}, {1, 3}}[1:], []span{{5, 9}}))
}
