// Package configkeys is what the components share about their config keys:
// the keys a Config accepts (each README test checks every one has a row),
// and the keys they no longer accept.
package configkeys // import "github.com/otelcol-higress/otelcol-higress/internal/configkeys"

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// Retired is a key a component no longer accepts, and what to write
// instead ("was renamed …", "is no longer a setting: …").
type Retired struct{ Key, Instead string }

// Unmarshal decodes conf into cfg after refusing retired keys by name, so
// that an old configuration fails with directions rather than with
// confmap's bare "invalid keys". A Config's own Unmarshal calls it.
func Unmarshal(conf *confmap.Conf, cfg any, retired []Retired) error {
	var errs []error
	for _, r := range retired {
		if conf.IsSet(r.Key) {
			errs = append(errs, fmt.Errorf("%s %s", r.Key, r.Instead))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return conf.Unmarshal(cfg)
}

// Of returns the mapstructure keys of the config struct typ: squashed
// structs add theirs at the same level; structs declared in typ's own
// package are the component's nested blocks and add theirs as
// "parent::key", lists of them as "parent[]::key" after "parent"; any
// other struct (confighttp, configtls, …) is one key, documented by its
// library.
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
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem().PkgPath() == typ.PkgPath():
				keys = append(keys, prefix+name)
				walk(f.Type.Elem(), prefix+name+"[]::")
			default:
				keys = append(keys, prefix+name)
			}
		}
	}
	walk(typ, "")
	return keys
}

// MissingFromREADME lists the keys of typ (Of) that no row of a markdown
// table in readme names in its first cell, as `key`.
func MissingFromREADME(readme string, typ reflect.Type) []string {
	var firstCells []string
	for _, line := range strings.Split(readme, "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 2 && strings.TrimSpace(cells[0]) == "" {
			firstCells = append(firstCells, cells[1])
		}
	}
	var missing []string
	for _, k := range Of(typ) {
		if !slices.ContainsFunc(firstCells, func(c string) bool { return strings.Contains(c, "`"+k+"`") }) {
			missing = append(missing, k)
		}
	}
	return missing
}
