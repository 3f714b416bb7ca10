package accesslog

import (
	"os"
	"strings"
	"testing"
)

// TestGeneratedDocs keeps the tables the docs show between
// <!-- NAME:begin --> and <!-- NAME:end --> equal to the tables here.
// UPDATE_DOCS=1 go test ./internal/accesslog rewrites them.
func TestGeneratedDocs(t *testing.T) {
	for _, tc := range []struct {
		path, name string
		render     func() string
	}{
		{"../../README.md", "field-table", MarkdownTable},
		{"../../docs/contract.md", "field-table", MarkdownTable},
		{"../../docs/contract.md", "column-table", ColumnsMarkdownTable},
		{"../../docs/contract.md", "ailog-table", AILogMarkdownTable},
		{"../../processor/ailogprocessor/README.md", "ailog-table", AILogMarkdownTable},
	} {
		raw, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(raw)
		begin, end := "<!-- "+tc.name+":begin -->\n", "<!-- "+tc.name+":end -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("%s lacks the %q … %q markers", tc.path, begin, end)
		}
		want := doc[:i+len(begin)] + tc.render() + doc[j:]
		switch {
		case want == doc:
		case os.Getenv("UPDATE_DOCS") != "":
			if err := os.WriteFile(tc.path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("%s: the %s is stale: run UPDATE_DOCS=1 go test ./internal/accesslog", tc.path, tc.name)
		}
	}
}
