package mysqltest

import (
	"database/sql"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// TestMemoryServer checks the in-process server speaks enough MySQL for the
// exporter: databases, JSON, ->>, information_schema.
func TestMemoryServer(t *testing.T) {
	s, err := StartMemory("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("mysql", s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
