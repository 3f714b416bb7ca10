package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"
	"github.com/tidwall/gjson"
)

// Defaults of every configuration key (plugin/README.md lists them).
const (
	defaultCollectorPath     = "/"
	defaultFlushIntervalMs   = 1000
	defaultMaxEntriesPerPost = 100
	defaultMaxBufferedBytes  = 4 << 20
	defaultMaxRetries        = 3
	defaultCollectorTimeout  = 5000
	defaultSampleRate        = 1.0
	defaultAILogMaxBytes     = 256 << 10
)

// configKeys are the keys the plugin reads (plugin/README.md lists each);
// log_level is db-log-pusher's, accepted and ignored (Higress sets the
// log level). Others are reported, since a misspelt key silently keeps
// its default.
var configKeys = []string{
	"collector_service_name", "collector_port", "collector_path", "ingest_token", "gzip",
	"flush_interval_ms", "max_entries_per_post", "max_buffered_bytes", "max_retries", "collector_timeout_ms",
	"sample_rate", "always_log_errors", "request_body_max_bytes", "response_body_max_bytes",
	"capture_headers", "redact_headers", "instance_id", "ai_log_max_bytes", "log_level",
}

// defaultRedactHeaders are the credentials a captured header map never
// carries unless redact_headers replaces this list.
var defaultRedactHeaders = []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}

// redacted replaces the value of a redacted header, so that the entry shows
// the header was there without carrying it.
const redacted = "[redacted]"

// entryOptions are the keys that shape each request's entry, the same
// as read and as bound.
type entryOptions struct {
	instanceID      string
	sampleRate      float64
	alwaysLogErrors bool
	reqBodyMax      int
	respBodyMax     int
	aiLogMax        int
}

// pluginConfig is one parsed configuration (the global one or a rule's).
type pluginConfig struct {
	// sender is the per-VM buffer for this configuration's collector; every
	// rule that names the same collector shares it.
	sender *sender

	entryOptions
	// captureAll captures every header ("*" in capture_headers).
	captureAll     bool
	captureHeaders map[string]bool
	redactHeaders  map[string]bool
}

// settings is the configuration as read, before it is bound to a sender.
type settings struct {
	dest destination
	lim  limits

	entryOptions
	captureHeaders []string
	redactHeaders  []string
	unknownKeys    []string
}

// parseConfig reads one configuration and binds it to its collector's
// sender; the sender keeps what it has buffered across reloads.
func parseConfig(json gjson.Result, cfg *pluginConfig) error {
	s, err := readSettings(json)
	if err != nil {
		return err
	}
	*cfg = pluginConfig{
		sender:         vm.senderFor(s.dest, s.lim),
		entryOptions:   s.entryOptions,
		captureHeaders: map[string]bool{},
		redactHeaders:  map[string]bool{},
	}
	for _, h := range s.captureHeaders {
		if h == "*" {
			cfg.captureAll = true
		}
		cfg.captureHeaders[h] = true
	}
	for _, h := range s.redactHeaders {
		cfg.redactHeaders[h] = true
	}
	for _, k := range s.unknownKeys {
		log.Warnf("unknown configuration key %q ignored (plugin/README.md lists the keys)", k)
	}
	vm.registerTick()
	return nil
}

// readSettings applies the defaults and reports every invalid key at once.
func readSettings(json gjson.Result) (settings, error) {
	s := settings{
		dest: destination{
			path:  stringOr(json, "collector_path", defaultCollectorPath),
			token: json.Get("ingest_token").String(),
			gzip:  json.Get("gzip").Bool(),
		},
		lim: limits{
			maxEntries: intOr(json, "max_entries_per_post", defaultMaxEntriesPerPost),
			maxBytes:   intOr(json, "max_buffered_bytes", defaultMaxBufferedBytes),
			maxRetries: intOr(json, "max_retries", defaultMaxRetries),
		},
		entryOptions: entryOptions{
			instanceID:      json.Get("instance_id").String(),
			sampleRate:      defaultSampleRate,
			alwaysLogErrors: true,
			reqBodyMax:      intOr(json, "request_body_max_bytes", 0),
			respBodyMax:     intOr(json, "response_body_max_bytes", 0),
		},
		captureHeaders: lowerList(json.Get("capture_headers")),
		redactHeaders:  defaultRedactHeaders,
	}
	if v := json.Get("sample_rate"); v.Exists() {
		s.sampleRate = v.Float()
	}
	if v := json.Get("always_log_errors"); v.Exists() {
		s.alwaysLogErrors = v.Bool()
	}
	if v := json.Get("redact_headers"); v.Exists() {
		s.redactHeaders = lowerList(v)
	}
	// An entry must fit in the buffer with room for others.
	s.aiLogMax = intOr(json, "ai_log_max_bytes", min(defaultAILogMaxBytes, s.lim.maxBytes/2))
	json.ForEach(func(k, _ gjson.Result) bool {
		// wasm-go's own keys (_rules_, _match_route_, …) start with "_".
		if name := k.String(); !strings.HasPrefix(name, "_") && !slices.Contains(configKeys, name) {
			s.unknownKeys = append(s.unknownKeys, name)
		}
		return true
	})
	flushMs := intOr(json, "flush_interval_ms", defaultFlushIntervalMs)
	timeoutMs := intOr(json, "collector_timeout_ms", defaultCollectorTimeout)
	s.lim.flushTicks = max(1, (flushMs+tickMillis-1)/tickMillis)

	var errs []error
	service := json.Get("collector_service_name").String()
	port := json.Get("collector_port").Int()
	if service == "" {
		errs = append(errs, errors.New("collector_service_name is required"))
	}
	if port <= 0 || port > 65535 {
		errs = append(errs, fmt.Errorf("collector_port must be 1-65535, got %d", port))
	}
	// The FQDN cluster Higress creates for a Kubernetes service or a
	// registered service: the one db-log-pusher posted to.
	s.dest.cluster = fmt.Sprintf("outbound|%d||%s", port, service)
	s.dest.authority = service
	if !strings.HasPrefix(s.dest.path, "/") {
		errs = append(errs, fmt.Errorf("collector_path must start with /, got %q", s.dest.path))
	}
	if flushMs <= 0 {
		errs = append(errs, fmt.Errorf("flush_interval_ms must be > 0, got %d", flushMs))
	}
	if s.lim.maxEntries <= 0 {
		errs = append(errs, fmt.Errorf("max_entries_per_post must be > 0, got %d", s.lim.maxEntries))
	}
	if s.lim.maxBytes < 1024 {
		errs = append(errs, fmt.Errorf("max_buffered_bytes must be >= 1024, got %d", s.lim.maxBytes))
	}
	if s.lim.maxRetries < 0 {
		errs = append(errs, fmt.Errorf("max_retries must be >= 0, got %d", s.lim.maxRetries))
	}
	if timeoutMs <= 0 {
		errs = append(errs, fmt.Errorf("collector_timeout_ms must be > 0, got %d", timeoutMs))
	}
	s.dest.timeoutMillis = uint32(max(timeoutMs, 1))
	if s.sampleRate < 0 || s.sampleRate > 1 {
		errs = append(errs, fmt.Errorf("sample_rate must be between 0 and 1, got %v", s.sampleRate))
	}
	if s.reqBodyMax < 0 || s.respBodyMax < 0 {
		errs = append(errs, errors.New("request_body_max_bytes and response_body_max_bytes must be >= 0"))
	}
	if s.aiLogMax < 1024 || s.aiLogMax > s.lim.maxBytes/2 {
		errs = append(errs, fmt.Errorf("ai_log_max_bytes must be between 1024 and half of max_buffered_bytes (%d), got %d",
			s.lim.maxBytes/2, s.aiLogMax))
	}
	return s, errors.Join(errs...)
}

func stringOr(json gjson.Result, key, def string) string {
	if v := json.Get(key).String(); v != "" {
		return v
	}
	return def
}

func intOr(json gjson.Result, key string, def int) int {
	if v := json.Get(key); v.Exists() {
		return int(v.Int())
	}
	return def
}

func lowerList(v gjson.Result) []string {
	var out []string
	for _, e := range v.Array() {
		if s := strings.ToLower(strings.TrimSpace(e.String())); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// onPluginStart runs before the configuration of every plugin start and
// reload is parsed.
func onPluginStart(wrapper.PluginContext) error {
	metrics.define()
	vm.tickRegistered = false
	return nil
}
