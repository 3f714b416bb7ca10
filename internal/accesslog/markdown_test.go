package accesslog

import (
	"os"
	"strings"
	"testing"
)

const (
	tableBegin = "<!-- field-table:begin -->\n"
	tableEnd   = "<!-- field-table:end -->"
)

// TestReadmeFieldTable keeps README.md's field table equal to Fields.
// UPDATE_README=1 go test ./internal/accesslog rewrites it.
func TestReadmeFieldTable(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", tableBegin, tableEnd)
	}
	want := doc[:i+len(tableBegin)] + MarkdownTable() + doc[j:]
	if want == doc {
		return
	}
	if os.Getenv("UPDATE_README") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md field table is stale: run UPDATE_README=1 go test ./internal/accesslog")
}
