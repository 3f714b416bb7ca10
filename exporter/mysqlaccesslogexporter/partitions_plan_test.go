package mysqlaccesslogexporter

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func names(parts []partition) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.name
	}
	return out
}

// TestPartitionPlan: which days are added and which dropped, from the
// table's partitions and the clock alone.
func TestPartitionPlan(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC)
	d := func(month time.Month, dd int) time.Time { return time.Date(2026, month, dd, 0, 0, 0, 0, time.UTC) }

	initial := initialPartitions(now, 2)
	assert.Equal(t, []string{"p20260310", "p20260311", "p20260312", "pmax"}, names(initial))
	assert.Equal(t, d(3, 11), initial[0].upper, "today's partition ends at midnight UTC")

	l := &partitionLayout{kind: partEpochOfTimestamp, parts: initial}
	assert.Empty(t, l.missing(now, 2), "nothing to add the day it was created")
	assert.Equal(t, []string{"p20260313", "p20260314"}, names(l.missing(now.Add(2*day), 2)))
	assert.Equal(t, []string{"p20260313"}, names(l.missing(now, 3)), "a larger partitions_ahead adds the days it lacks")

	// Weeks without maintenance: the first new partition reaches back to
	// the last bound, so no day is left to the catch-all.
	late := l.missing(now.Add(20*day), 1)
	assert.Equal(t, []string{"p20260330", "p20260331"}, names(late))
	assert.Equal(t, d(3, 31), late[0].upper)

	assert.Empty(t, l.expired(d(3, 10)))
	assert.Equal(t, []string{"p20260310"}, names(l.expired(d(3, 11))), "a day goes once its last second is past the cutoff")
	assert.Equal(t, []string{"p20260310", "p20260311"}, names(l.expired(d(4, 1))), "never the newest day, never the catch-all")

	split := l.addPartitionsSQL("`d`.`t`", l.missing(now.Add(2*day), 2))
	assert.Equal(t, "ALTER TABLE `d`.`t` REORGANIZE PARTITION `pmax` INTO (PARTITION `p20260313` VALUES LESS THAN (1773446400), "+
		"PARTITION `p20260314` VALUES LESS THAN (1773532800), PARTITION `pmax` VALUES LESS THAN MAXVALUE)", strings.TrimSpace(split))
	noMax := &partitionLayout{kind: partDatetimeColumns, parts: initial[:3]}
	assert.Equal(t, "ALTER TABLE `d`.`t` ADD PARTITION (PARTITION `p20260313` VALUES LESS THAN ('2026-03-14 00:00:00'))",
		strings.TrimSpace(noMax.addPartitionsSQL("`d`.`t`", noMax.missing(now.Add(day), 2))))
	assert.Equal(t, "ALTER TABLE `d`.`t` DROP PARTITION `p20260310`, `p20260311`",
		strings.TrimSpace(dropPartitionsSQL("`d`.`t`", l.expired(d(4, 1)))))
}

// TestPartitionKinds: the layouts information_schema.PARTITIONS shows for
// the three start_time types are recognized, anything else is not.
func TestPartitionKinds(t *testing.T) {
	assert.Equal(t, partEpochOfTimestamp, kindOf("RANGE", "unix_timestamp(`start_time`)"))
	assert.Equal(t, partEpochColumn, kindOf("RANGE", "`start_time`"))
	assert.Equal(t, partDatetimeColumns, kindOf("RANGE COLUMNS", "`start_time`"))
	assert.Zero(t, kindOf("RANGE", "to_days(`start_time`)"))
	assert.Zero(t, kindOf("HASH", "`id`"))
	b, err := partDatetimeColumns.parseBound("'2026-03-02 00:00:00'")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), b)
	b, err = partEpochColumn.parseBound("1772409600")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), b)
}
