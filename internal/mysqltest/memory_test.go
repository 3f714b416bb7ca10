package mysqltest

import (
	"database/sql"
	"sync"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// TestMemoryServer checks the in-process server speaks enough MySQL for the
// exporter: databases, JSON, ->>, information_schema.
func TestMemoryServer(t *testing.T) {
	db := openMemory(t)
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS d1",
		"CREATE TABLE d1.t (id BIGINT NOT NULL AUTO_INCREMENT, j JSON, v VARCHAR(10), PRIMARY KEY (id))",
		`INSERT INTO d1.t (j, v) VALUES ('{"model":"qwen"}', 'x')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var model string
	if err := db.QueryRow("SELECT j->>'$.model' FROM d1.t").Scan(&model); err != nil || model != "qwen" {
		t.Fatalf("->>: %q %v", model, err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d1' AND TABLE_NAME='t'").Scan(&n); err != nil || n != 3 {
		t.Fatalf("information_schema: %d %v", n, err)
	}
}

// TestMemoryServerConcurrentSessions: statements of many connections at
// once (inserts next to reads and deletes, as an exporter, its retention
// and a /tail poller do) lose no commit. Without serialHandler a session's
// commit puts back the table it read when its statement began, undoing
// the inserts committed meanwhile.
func TestMemoryServerConcurrentSessions(t *testing.T) {
	db := openMemory(t, "d1")
	if _, err := db.Exec("CREATE TABLE d1.t (id BIGINT NOT NULL AUTO_INCREMENT, v VARCHAR(10), PRIMARY KEY (id))"); err != nil {
		t.Fatal(err)
	}
	const writers, rows = 4, 50
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, writers+2)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rows {
				if _, err := db.Exec("INSERT INTO d1.t (v) VALUES ('keep')"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for _, q := range []string{"SELECT COUNT(*) FROM d1.t", "DELETE FROM d1.t WHERE v = 'none'"} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.Exec(q); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM d1.t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*rows {
		t.Fatalf("%d rows committed, %d in the table", writers*rows, n)
	}
}

// openMemory starts an in-process server with databases and connects to it;
// both are closed when the test ends.
func openMemory(t *testing.T, databases ...string) *sql.DB {
	t.Helper()
	s, err := StartMemory("127.0.0.1:0", databases...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("mysql", s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
