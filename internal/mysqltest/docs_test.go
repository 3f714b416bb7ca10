package mysqltest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDatabasesDocNamesRealTests: every test the README's database table
// (which test backs each database × feature) and docs/databases.md name
// exists, and each subtest they name is a server the test runs on.
func TestDatabasesDocNamesRealTests(t *testing.T) {
	var doc []byte
	for _, name := range []string{"../../README.md", "../../docs/databases.md"} {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		doc = append(doc, b...)
	}
	require.Contains(t, string(doc), "| **tail** (`/tail` and `next` paging, ids in any order) |", "the README's database table")
	var sources strings.Builder
	require.NoError(t, filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bin" || d.Name() == "plugin" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources.Write(b)
		}
		return nil
	}))
	src := sources.String()
	names := regexp.MustCompile("`(Test\\w+)(/[\\w*]+)*`").FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, names)
	for _, m := range names {
		assert.Contains(t, src, "func "+m[1]+"(t *testing.T)", "the README or docs/databases.md names %s", m[0])
	}
	for _, server := range []string{"mariadb", "gms", "tidb"} {
		assert.Contains(t, src, `t.Run("`+server+`"`, "the subtests the table names")
	}
}
