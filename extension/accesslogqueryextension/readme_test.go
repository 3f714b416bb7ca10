package accesslogqueryextension

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// TestREADMEListsEveryKeyAndParameter keeps the README complete: every
// configuration key, every parameter of every endpoint.
func TestREADMEListsEveryKeyAndParameter(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	require.Contains(t, configkeys.Of(reflect.TypeOf(Config{})), "tail::settle")
	assert.Empty(t, configkeys.MissingFromREADME(readme, reflect.TypeOf(Config{})), "keys without a README row")
	params := append(filterParams(), windowParams...)
	params = append(params, paramPage, paramPageSize, paramSortBy, paramSortOrder, paramNext, paramGroupBy, paramLastEventID, paramInterval, paramFacets)
	params = append(params, ignoredParams...)
	params = append(params, sortParams...)
	params = append(params, groupParams...)
	for _, p := range params {
		if !strings.Contains(readme, "`"+p+"`") {
			t.Errorf("README lacks parameter %s", p)
		}
	}
	for _, path := range []string{pathQuery, pathStats, pathTail} {
		assert.Contains(t, readme, "## `GET "+path+"`")
	}
	for _, shot := range []string{shotOverview, shotErrors, shotDetail} {
		assert.Contains(t, readme, "("+shot+")")
	}
}
