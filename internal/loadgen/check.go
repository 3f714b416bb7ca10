package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// Report compares acknowledged entries with the rows of a run.
type Report struct {
	Acked      int
	Rows       int
	Missing    []string // acknowledged but not stored
	Duplicated []string // stored more than once
}

// OK is true when every acknowledged entry is stored exactly once.
func (r Report) OK() bool { return len(r.Missing) == 0 && len(r.Duplicated) == 0 }

func (r Report) String() string {
	return fmt.Sprintf("acked=%d rows=%d missing=%d duplicated=%d", r.Acked, r.Rows, len(r.Missing), len(r.Duplicated))
}

// Check reads the run's rows from table (placeholders only; the table name
// is quoted) and compares them with the acknowledged request ids.
func Check(ctx context.Context, db *sql.DB, table, runID string, acked []string) (Report, error) {
	q := "SELECT `request_id`, COUNT(*) FROM " + accesslog.QuoteIdent(table) + " WHERE `request_id` LIKE ? GROUP BY `request_id`"
	rows, err := db.QueryContext(ctx, q, runID+"-%")
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	counts := map[string]int{}
	rep := Report{Acked: len(acked)}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return Report{}, err
		}
		counts[id] = n
		rep.Rows += n
		if n > 1 {
			rep.Duplicated = append(rep.Duplicated, id)
		}
	}
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	for _, id := range acked {
		if counts[id] == 0 {
			rep.Missing = append(rep.Missing, id)
		}
	}
	return rep, nil
}

// WaitComplete polls Check until every acknowledged entry is stored or the
// deadline passes, and returns the last report.
func WaitComplete(ctx context.Context, db *sql.DB, table, runID string, acked []string, within time.Duration) (Report, error) {
	deadline := time.Now().Add(within)
	for {
		rep, err := Check(ctx, db, table, runID, acked)
		if err == nil && len(rep.Missing) == 0 {
			return rep, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return rep, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
