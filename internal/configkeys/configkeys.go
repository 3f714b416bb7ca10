// Package configkeys lists the keys a component's Config accepts, so each
// component's README test can check that every key has a row.
package configkeys // import "github.com/otelcol-higress/otelcol-higress/internal/configkeys"

import (
	"reflect"
	"strings"
)

// Of returns the mapstructure keys of the config struct typ: squashed
// structs add theirs at the same level; structs declared in typ's own
// package are the component's nested blocks and add theirs as
// "parent::key"; any other struct (confighttp, configtls, …) is one key,
// documented by its library.
func Of(typ reflect.Type) []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			switch {
			case strings.Contains(opts, "squash"):
				walk(f.Type, prefix)
			case name == "" || name == "-":
			case f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == typ.PkgPath():
				walk(f.Type, prefix+name+"::")
			default:
				keys = append(keys, prefix+name)
			}
		}
	}
	walk(typ, "")
	return keys
}
