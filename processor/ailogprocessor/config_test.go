package ailogprocessor

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id       component.ID
		expected *Config
		errMsg   string
	}{
		{
			id:       component.NewID(metadata.Type),
			expected: createDefaultConfig().(*Config),
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			expected: &Config{
				FromAttribute: "attributes.ai_log",
				KeepOriginal:  false,
				Exclude:       []string{"messages", "jsonrpc_params"},
				Content:       ContentConfig{Action: ContentTruncate, MaxBytes: 1024, Keys: []string{"question", "answer"}},
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "include"),
			expected: &Config{
				FromAttribute: accesslog.AttrAILog,
				KeepOriginal:  true,
				Include:       []string{"model", "input_token", "output_token"},
				Content:       ContentConfig{Action: ContentDrop, Keys: defaultContentKeys()},
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "pricing"),
			expected: &Config{
				FromAttribute: accesslog.AttrAILog,
				KeepOriginal:  true,
				Content:       ContentConfig{Action: ContentKeep, Keys: defaultContentKeys()},
				Pricing: PricingConfig{Currency: "USD", Models: []ModelPrice{
					{Model: "gpt-4o-mini*", InputPerMillion: 0.15, CachedInputPerMillion: ptr(0.075), OutputPerMillion: 0.6},
					{Model: "qwen-max", InputPerMillion: 2.4, OutputPerMillion: 9.6, Currency: "CNY"},
				}},
			},
		},
		{id: component.NewIDWithName(metadata.Type, "pricing_bad"), errMsg: strings.Join([]string{
			"pricing::models[0]::model must not be empty",
			"pricing::models[0] has no currency: set pricing::currency or its own currency",
			`pricing::models[1]::model "gpt-[4" is not a valid glob: unexpected end of input`,
			"pricing::models[1]::input_per_million must be a finite number >= 0, got -1",
			"pricing::models[2]::output_per_million must be a finite number >= 0, got NaN",
			"pricing::models[2]::cached_input_per_million must be a finite number >= 0, got -0.5",
			"pricing::models[2] has no currency: set pricing::currency or its own currency",
			`pricing::models[3]::model "deepseek-chat" is listed twice`,
		}, "\n")},
		{id: component.NewIDWithName(metadata.Type, "bad_action"), errMsg: `content::action "redact" must be one of keep, drop, truncate`},
		{id: component.NewIDWithName(metadata.Type, "truncate_without_size"), errMsg: "content::max_bytes must be > 0"},
		{id: component.NewIDWithName(metadata.Type, "include_and_exclude"), errMsg: "include and exclude are mutually exclusive"},
		{id: component.NewIDWithName(metadata.Type, "empty_attribute"), errMsg: "from_attribute must not be empty"},
		{id: component.NewIDWithName(metadata.Type, "bad_keys"), errMsg: "exclude[1] must not be empty\nexclude lists \"answer\" twice"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))

			before := *cfg.(*Config)
			err = confmap.Validate(cfg)
			// Validate must never change the configuration.
			assert.Equal(t, before, *cfg.(*Config))
			if tt.errMsg != "" {
				require.ErrorContains(t, err, tt.errMsg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.expected, cfg)
		})
	}
}

func TestDefaultContentKeys(t *testing.T) {
	assert.ElementsMatch(t, []string{
		"question", "answer", "reasoning", "system", "messages", "tool_calls",
		"mcp_tool_arguments", "mcp_tool_response",
	}, defaultContentKeys())
}
