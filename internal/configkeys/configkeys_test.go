package configkeys

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/config/configtls"
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
	Inner    inner `mapstructure:"inner"`
	Skipped  int   `mapstructure:"-"`
}

func TestOf(t *testing.T) {
	assert.Equal(t, []string{"name", "tls", "timeout", "inner::depth"}, Of(reflect.TypeOf(sample{})))
}

func TestMoved(t *testing.T) {
	assert.Equal(t, []Removed{{Key: "dsn", Instead: "it is mysql::dsn"}}, Moved("mysql", "dsn"))
}
