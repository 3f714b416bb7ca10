// Package configkeys lists the keys a component's Config accepts, so each
// component's README test can check that every key has a row, and refuses
// keys a component no longer has with directions.
package configkeys // import "github.com/otelcol-higress/otelcol-higress/internal/configkeys"

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// modulePath prefixes the packages whose config structs are this
// project's own blocks (a component's, or one shared in internal/).
const modulePath = "github.com/otelcol-higress/otelcol-higress/"

// Of returns the mapstructure keys of the config struct typ: squashed
// structs add theirs at the same level; structs declared in this module
// are nested blocks and add theirs as "parent::key", lists of them as
// "parent[]::key" after "parent"; any other struct (confighttp,
// configtls, …) is one key, documented by its library.
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
			case f.Type.Kind() == reflect.Struct && strings.HasPrefix(f.Type.PkgPath(), modulePath):
				walk(f.Type, prefix+name+"::")
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && strings.HasPrefix(f.Type.Elem().PkgPath(), modulePath):
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

// Removed is a key a component no longer has and what to do instead.
type Removed struct{ Key, Instead string }

// Moved are keys now under block with the same name.
func Moved(block string, keys ...string) []Removed {
	out := make([]Removed, len(keys))
	for i, k := range keys {
		out[i] = Removed{Key: k, Instead: "it is " + block + "::" + k}
	}
	return out
}

// Renamed are keys that took another name, given as pairs: old, new, …
func Renamed(pairs ...string) []Removed {
	out := make([]Removed, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Removed{Key: pairs[i], Instead: "it was renamed " + pairs[i+1]})
	}
	return out
}

// Unmarshal decodes conf into cfg, unless conf sets a removed key: then
// it fails naming what to do instead, so that an old configuration gets
// directions rather than "invalid keys". A component's Config.Unmarshal
// calls it with its own list.
func Unmarshal(conf *confmap.Conf, cfg any, removed []Removed) error {
	var errs []error
	for _, r := range removed {
		if conf.IsSet(r.Key) {
			errs = append(errs, fmt.Errorf("%s is no longer a setting: %s", r.Key, r.Instead))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return conf.Unmarshal(cfg)
}
