package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"fmt"
	"math"
	"strings"

	"github.com/gobwas/glob"
)

// PricingConfig is the price table the processor computes each record's
// cost with.
type PricingConfig struct {
	// Currency is the currency of every entry that does not name its own.
	Currency string `mapstructure:"currency"`
	// Models are tried in order; the first whose pattern matches the
	// record's model prices it.
	Models []ModelPrice `mapstructure:"models"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ModelPrice is one row of the price table. Prices are per million tokens.
type ModelPrice struct {
	// Model is an exact model name or a glob (`*`, `?`, `[abc]`, `{a,b}`;
	// `*` also matches `/`, as in `Qwen/Qwen2.5-72B-Instruct`).
	Model string `mapstructure:"model"`
	// InputPerMillion prices input tokens that were not read from the
	// provider's prompt cache.
	InputPerMillion float64 `mapstructure:"input_per_million"`
	// OutputPerMillion prices output tokens, reasoning tokens included (the
	// providers count them in the output).
	OutputPerMillion float64 `mapstructure:"output_per_million"`
	// CachedInputPerMillion prices input tokens read from the prompt cache;
	// unset, they cost InputPerMillion.
	CachedInputPerMillion *float64 `mapstructure:"cached_input_per_million"`
	// Currency overrides PricingConfig.Currency for this entry.
	Currency string `mapstructure:"currency"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// currency is the entry's own currency, else the table's.
func (m *ModelPrice) currency(table string) string {
	if c := strings.TrimSpace(m.Currency); c != "" {
		return c
	}
	return strings.TrimSpace(table)
}

func (pc *PricingConfig) validate() []error {
	var errs []error
	seen := make(map[string]bool, len(pc.Models))
	for i := range pc.Models {
		m := &pc.Models[i]
		name := fmt.Sprintf("pricing::models[%d]", i)
		switch {
		case strings.TrimSpace(m.Model) == "":
			errs = append(errs, fmt.Errorf("%s::model must not be empty", name))
		case seen[m.Model]:
			// The second entry could never match: a typo, not intent.
			errs = append(errs, fmt.Errorf("%s::model %q is listed twice", name, m.Model))
		default:
			if _, err := glob.Compile(m.Model); err != nil {
				errs = append(errs, fmt.Errorf("%s::model %q is not a valid glob: %w", name, m.Model, err))
			}
		}
		seen[m.Model] = true
		errs = append(errs, checkPrice(name+"::input_per_million", m.InputPerMillion)...)
		errs = append(errs, checkPrice(name+"::output_per_million", m.OutputPerMillion)...)
		if m.CachedInputPerMillion != nil {
			errs = append(errs, checkPrice(name+"::cached_input_per_million", *m.CachedInputPerMillion)...)
		}
		if m.currency(pc.Currency) == "" {
			errs = append(errs, fmt.Errorf("%s has no currency: set pricing::currency or its own currency", name))
		}
	}
	return errs
}

func checkPrice(name string, v float64) []error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return []error{fmt.Errorf("%s must be a finite number >= 0, got %v", name, v)}
	}
	return nil
}
