package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gobwas/glob"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// Content actions for the large, sensitive ai_log keys.
const (
	ContentKeep     = "keep"
	ContentDrop     = "drop"
	ContentTruncate = "truncate"
)

// Config is the ailog processor configuration.
type Config struct {
	// FromAttribute is the record attribute holding ai_log. The higresslog
	// receiver writes higress.ai_log; other senders may use another key.
	FromAttribute string `mapstructure:"from_attribute"`
	// KeepOriginal keeps the ai_log attribute after flattening. The
	// access_logs `ai_log` column (and HiMarket's JSON_EXTRACT queries) need
	// it, values as sent; only turn it off for backends that want flat
	// attributes alone.
	KeepOriginal bool `mapstructure:"keep_original"`
	// Include, when not empty, lists the only ai_log keys that become flat
	// attributes. The column fallbacks (docs/contract.md) apply regardless.
	Include []string `mapstructure:"include"`
	// Exclude lists ai_log keys that never become flat attributes.
	Exclude []string `mapstructure:"exclude"`
	// Content governs the large, sensitive keys, in the flat attributes and
	// in the kept ai_log alike.
	Content ContentConfig `mapstructure:"content"`
	// Pricing turns token counts into a cost per record.
	Pricing PricingConfig `mapstructure:"pricing"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ContentConfig is the policy for conversation content in ai_log.
type ContentConfig struct {
	// Action is keep (default), drop or truncate.
	Action string `mapstructure:"action"`
	// MaxBytes is the size a value is cut to (at a UTF-8 boundary) before
	// "[truncated]" is appended; used by truncate only.
	MaxBytes int `mapstructure:"max_bytes"`
	// Keys are the ai_log keys the policy applies to.
	Keys []string `mapstructure:"keys"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// defaultContentKeys are the table's content keys: question, system, answer,
// reasoning, messages, tool_calls, mcp_tool_arguments, mcp_tool_response.
func defaultContentKeys() []string {
	var keys []string
	for _, k := range accesslog.AILogKeys {
		if k.Content {
			keys = append(keys, k.Key)
		}
	}
	return keys
}

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(cfg.FromAttribute) == "" {
		errs = append(errs, errors.New("from_attribute must not be empty"))
	}
	if len(cfg.Include) > 0 && len(cfg.Exclude) > 0 {
		errs = append(errs, errors.New("include and exclude are mutually exclusive"))
	}
	errs = append(errs, checkKeys("include", cfg.Include)...)
	errs = append(errs, checkKeys("exclude", cfg.Exclude)...)
	errs = append(errs, checkKeys("content::keys", cfg.Content.Keys)...)
	switch cfg.Content.Action {
	case ContentKeep, ContentDrop:
	case ContentTruncate:
		if cfg.Content.MaxBytes <= 0 {
			errs = append(errs, fmt.Errorf("content::max_bytes must be > 0 for action %q, got %d", ContentTruncate, cfg.Content.MaxBytes))
		}
	default:
		errs = append(errs, fmt.Errorf("content::action %q must be one of %s, %s, %s", cfg.Content.Action, ContentKeep, ContentDrop, ContentTruncate))
	}
	if cfg.Content.MaxBytes < 0 {
		errs = append(errs, errors.New("content::max_bytes must not be negative"))
	}
	errs = append(errs, cfg.Pricing.validate()...)
	return errors.Join(errs...)
}

// checkKeys rejects empty and repeated keys: both are typos, not intent.
func checkKeys(name string, keys []string) []error {
	var errs []error
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("%s[%d] must not be empty", name, i))
			continue
		}
		if seen[k] {
			errs = append(errs, fmt.Errorf("%s lists %q twice", name, k))
		}
		seen[k] = true
	}
	return errs
}

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
