package configkeys

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
)

type inner struct {
	Depth int `mapstructure:"depth"`
}

type embedded struct {
	Timeout time.Duration `mapstructure:"timeout"`
}

type sample struct {
	Name     string                 `mapstructure:"name"`
	TLS      configtls.ClientConfig `mapstructure:"tls"`
	embedded `mapstructure:",squash"`
	Inner    inner   `mapstructure:"inner"`
	List     []inner `mapstructure:"list"`
	Skipped  int     `mapstructure:"-"`
}

func TestOf(t *testing.T) {
	assert.Equal(t, []string{"name", "tls", "timeout", "inner::depth", "list", "list[]::depth"}, Of(reflect.TypeOf(sample{})))
}

func TestMissingFromREADME(t *testing.T) {
	readme := "Mentions `name` in prose.\n\n| key | meaning |\n|---|---|\n| `tls`, `timeout` (1s) | … `inner::depth` |\n| `list` | |\n| `list[]::depth` | |\n"
	assert.Equal(t, []string{"name", "inner::depth"}, MissingFromREADME(readme, reflect.TypeOf(sample{})))
}

func TestUnmarshalRefusesRemovedKeys(t *testing.T) {
	removed := append(Renamed("old", "name"), Removed{Key: "inner::gone", Instead: "delete it"})
	var cfg sample
	err := Unmarshal(confmap.NewFromStringMap(map[string]any{"old": 1, "inner": map[string]any{"gone": 2}}), &cfg, removed)
	assert.ErrorContains(t, err, "old is no longer a setting: it was renamed name")
	assert.ErrorContains(t, err, "inner::gone is no longer a setting: delete it")
	require.NoError(t, Unmarshal(confmap.NewFromStringMap(map[string]any{"name": "x"}), &cfg, removed))
	assert.Equal(t, "x", cfg.Name)
}

func TestMoved(t *testing.T) {
	assert.Equal(t, []Removed{{Key: "dsn", Instead: "it is mysql::dsn"}}, Moved("mysql", "dsn"))
}
