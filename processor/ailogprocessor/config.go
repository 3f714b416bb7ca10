package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"errors"
	"fmt"
	"strings"

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
	// attributes. The column fallbacks of CONTRACT.md §3 apply regardless.
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
