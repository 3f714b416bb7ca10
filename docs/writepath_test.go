// Package docs holds the checks that keep the documents in docs/ true to
// the code.
package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pathPackages are the packages write-path.md covers: each production
// file of theirs is on the path or beside it.
var pathPackages = []string{
	"internal/accesslog", "internal/journal", "internal/mysqlconn",
	"receiver/higresslogreceiver", "processor/ailogprocessor", "exporter/mysqlaccesslogexporter",
}

var (
	numbered = regexp.MustCompile("(?m)^\\d+\\. `([^`]+)`")
	anyFile  = regexp.MustCompile("`([^` ]+\\.go)`")
)

// TestWritePathHolds checks write-path.md: every file it names exists and
// is named once; every production file of pathPackages is named; and each
// file of a section after the first is entered by a call (or another
// reference) from a file above it, except the section's first, which the
// collector enters (Start, the pipeline), so that the list is a walk of
// the code in the order a POST takes it.
func TestWritePathHolds(t *testing.T) {
	raw, err := os.ReadFile("write-path.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := strings.Split(string(raw), "\n## ")[1:]
	var path [][]string
	seen := map[string]bool{}
	for _, s := range sections {
		var files []string
		for _, m := range numbered.FindAllStringSubmatch(s, -1) {
			files = append(files, m[1])
		}
		if len(files) > 0 {
			path = append(path, files)
		}
		for _, m := range anyFile.FindAllStringSubmatch(s, -1) {
			if seen[m[1]] {
				t.Errorf("%s is named twice", m[1])
			}
			seen[m[1]] = true
			if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
				t.Errorf("%s does not exist", m[1])
			}
		}
	}
	for _, pkg := range pathPackages {
		for _, f := range productionFiles(t, pkg) {
			if !seen[f] {
				t.Errorf("%s is neither on the path nor beside it", f)
			}
		}
	}

	var above []string
	for i, section := range path {
		for j, f := range section {
			if i > 0 && j > 0 && !entered(t, f, above) {
				t.Errorf("%s: no file above it calls into it; reorder write-path.md", f)
			}
			above = append(above, f)
		}
	}
}

// productionFiles are pkg's Go files below it, tests and generated code
// (mdatagen's internal/metadata*) left out.
func productionFiles(t *testing.T, pkg string) []string {
	var out []string
	err := filepath.WalkDir(filepath.Join("..", pkg), func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.HasPrefix(d.Name(), "metadata"):
			return filepath.SkipDir
		case d.IsDir(), !strings.HasSuffix(p, ".go"), strings.HasSuffix(p, "_test.go"), strings.HasPrefix(d.Name(), "generated_"):
			return nil
		}
		out = append(out, filepath.ToSlash(strings.TrimPrefix(p, ".."+string(filepath.Separator))))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// entered reports whether one of above refers to a function or method
// declared in f: by name within f's package, as x.Name from another.
func entered(t *testing.T, f string, above []string) bool {
	declared := map[string]bool{}
	for _, d := range parse(t, f).Decls {
		if fn, ok := d.(*ast.FuncDecl); ok {
			declared[fn.Name.Name] = true
		}
	}
	for _, a := range above {
		samePackage, found := filepath.Dir(a) == filepath.Dir(f), false
		ast.Inspect(parse(t, a), func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				found = found || declared[x.Sel.Name]
			case *ast.Ident:
				found = found || samePackage && declared[x.Name]
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

func parse(t *testing.T, f string) *ast.File {
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", f), nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return file
}
