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

// TestDatabasesDocNamesRealTests: every test docs/databases.md names (its
// table says which test backs each database × feature) exists, and each
// subtest it names is a server the test runs on.
func TestDatabasesDocNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("../../docs/databases.md")
	require.NoError(t, err)
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
		assert.Contains(t, src, "func "+m[1]+"(t *testing.T)", "docs/databases.md names %s", m[0])
	}
	for _, server := range []string{"mariadb", "gms", "tidb"} {
		assert.Contains(t, src, `t.Run("`+server+`"`, "the subtests the table names")
	}
}
