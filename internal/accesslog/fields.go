// Package accesslog holds THE field table: for every field db-log-pusher
// sends, its JSON name, the OTel attribute that carries it, the value type,
// and the access_logs column it fills. The receiver decodes with it, the
// ailog processor fills column attributes by it, and the MySQL exporter maps
// and creates columns from it. No other package spells these names.
package accesslog

// Kind is how a field's value is typed once decoded.
type Kind int

const (
	// String values are kept as sent; numbers and booleans sent where a
	// string is expected are kept as their JSON text.
	String Kind = iota
	// Int values accept JSON numbers and numeric strings.
	Int
	// Bool values accept true/false, "true"/"false" and 0/1.
	Bool
	// Time is start_time: RFC3339 (any offset, fractional seconds) or epoch
	// seconds/milliseconds. It becomes the record timestamp; the raw text is
	// kept in the attribute too.
	Time
	// StringMap is an object of string to string (request/response headers).
	StringMap
	// JSONObject is ai_log: an object, possibly sent as a JSON-encoded string
	// (or a string quoted twice). Kept as a map attribute when it parses.
	JSONObject
	// Float values are fractional numbers (a request's cost).
	Float
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int"
	case Bool:
		return "bool"
	case Time:
		return "time"
	case StringMap:
		return "map[string]string"
	case JSONObject:
		return "object"
	case Float:
		return "double"
	}
	return "unknown"
}

// Scope says where the attribute lives on the OTel side.
type Scope int

const (
	// Record attributes live on each log record.
	Record Scope = iota
	// Resource attributes group records (instance_id → service.instance.id).
	Resource
)

// Field is one row of the table.
type Field struct {
	// JSON is the db-log-pusher key.
	JSON string
	// Attr is the OTel attribute key (semantic conventions where one exists,
	// else the higress. namespace).
	Attr string
	// Kind is the decoded value type.
	Kind Kind
	// Scope is record or resource.
	Scope Scope
	// Column is the access_logs column it fills; "" when it has none.
	Column string
	// SQLType is the column type used when the exporter creates the table.
	SQLType string
	// Indexed adds an index (column, start_time): the columns HiMarket's
	// OR-chained filters put in SQL (api, model, consumer, route_name,
	// upstream_cluster), and request_id and trace_id, which the query
	// extension looks up in the whole table (one request whatever its age).
	// Every other index costs inserts and no query uses it (BENCHMARKS.md,
	// "the index set").
	Indexed bool
}

// Attribute keys the pipeline itself adds or that several components use by name.
const (
	// AttrRecordUID is a unique id per record, fixed at receive time (or
	// derived from the sender's AttrEntryID), that lets the exporter absorb
	// a retried write without a duplicate row.
	AttrRecordUID = "log.record.uid"
	// AttrEntryID is the sender's idempotency key of an entry (entry_id):
	// the same entry sent twice has the same key.
	AttrEntryID = "higress.entry_id"
	// AttrExtraPrefix prefixes unknown top-level fields so they are kept.
	AttrExtraPrefix = "higress.extra."
	// AttrServiceName is the resource attribute naming the gateway service.
	AttrServiceName = "service.name"
)

// Attribute keys of the fields components read by name (column fallbacks,
// dead letters, indexes).
const (
	AttrStartTime     = "higress.start_time"
	AttrTraceID       = "higress.trace_id"
	AttrRequestID     = "higress.request_id"
	AttrMethod        = "http.request.method"
	AttrPath          = "url.path"
	AttrResponseCode  = "http.response.status_code"
	AttrInstanceID    = "service.instance.id"
	AttrAILog         = "higress.ai_log"
	AttrModel         = "gen_ai.request.model"
	AttrConsumer      = "higress.consumer"
	AttrService       = "higress.service"
	AttrUpstream      = "higress.upstream.cluster"
	AttrMCPServer     = "higress.mcp.server"
	AttrMCPTool       = "gen_ai.tool.name"
	AttrInputTokens   = "gen_ai.usage.input_tokens"
	AttrOutputTokens  = "gen_ai.usage.output_tokens"
	AttrTotalTokens   = "higress.usage.total_tokens"
	AttrXForwardedFor = "client.address"
	AttrDuration      = "higress.duration_ms"
	AttrCodeDetails   = "higress.response_code_details"
	AttrUpstreamTime  = "higress.upstream.service_time"
	// AttrCost is what the request cost by the ailog processor's price
	// table, in AttrCurrency.
	AttrCost     = "higress.usage.cost"
	AttrCurrency = "higress.usage.currency"
)

// Fields is THE table, in access_logs column order.
var Fields = []Field{
	{JSON: "start_time", Attr: AttrStartTime, Kind: Time, Column: "start_time", SQLType: "TIMESTAMP(3) NULL"},
	{JSON: "trace_id", Attr: AttrTraceID, Kind: String, Column: "trace_id", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "authority", Attr: "server.address", Kind: String, Column: "authority", SQLType: "VARCHAR(255)"},
	{JSON: "method", Attr: AttrMethod, Kind: String, Column: "method", SQLType: "VARCHAR(16)"},
	{JSON: "path", Attr: AttrPath, Kind: String, Column: "path", SQLType: "VARCHAR(2048)"},
	{JSON: "protocol", Attr: "network.protocol.version", Kind: String, Column: "protocol", SQLType: "VARCHAR(32)"},
	{JSON: "request_id", Attr: AttrRequestID, Kind: String, Column: "request_id", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "user_agent", Attr: "user_agent.original", Kind: String, Column: "user_agent", SQLType: "VARCHAR(1024)"},
	{JSON: "x_forwarded_for", Attr: AttrXForwardedFor, Kind: String, Column: "x_forwarded_for", SQLType: "VARCHAR(512)"},
	{JSON: "response_code", Attr: AttrResponseCode, Kind: Int, Column: "response_code", SQLType: "INT"},
	{JSON: "response_flags", Attr: "higress.response_flags", Kind: String, Column: "response_flags", SQLType: "VARCHAR(255)"},
	{JSON: "response_code_details", Attr: AttrCodeDetails, Kind: String, Column: "response_code_details", SQLType: "VARCHAR(512)"},
	{JSON: "bytes_received", Attr: "http.request.body.size", Kind: Int, Column: "bytes_received", SQLType: "BIGINT"},
	{JSON: "bytes_sent", Attr: "http.response.body.size", Kind: Int, Column: "bytes_sent", SQLType: "BIGINT"},
	{JSON: "duration", Attr: AttrDuration, Kind: Int, Column: "duration", SQLType: "BIGINT"},
	{JSON: "upstream_cluster", Attr: AttrUpstream, Kind: String, Column: "upstream_cluster", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "upstream_host", Attr: "higress.upstream.host", Kind: String, Column: "upstream_host", SQLType: "VARCHAR(255)"},
	{JSON: "upstream_service_time", Attr: AttrUpstreamTime, Kind: String, Column: "upstream_service_time", SQLType: "VARCHAR(64)"},
	{JSON: "upstream_transport_failure_reason", Attr: "higress.upstream.transport_failure_reason", Kind: String, Column: "upstream_transport_failure_reason", SQLType: "VARCHAR(1024)"},
	{JSON: "upstream_local_address", Attr: "higress.upstream.local_address", Kind: String, Column: "upstream_local_address", SQLType: "VARCHAR(255)"},
	{JSON: "downstream_local_address", Attr: "higress.downstream.local_address", Kind: String, Column: "downstream_local_address", SQLType: "VARCHAR(255)"},
	{JSON: "downstream_remote_address", Attr: "higress.downstream.remote_address", Kind: String, Column: "downstream_remote_address", SQLType: "VARCHAR(255)"},
	{JSON: "route_name", Attr: "higress.route_name", Kind: String, Column: "route_name", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "requested_server_name", Attr: "higress.requested_server_name", Kind: String, Column: "requested_server_name", SQLType: "VARCHAR(255)"},
	{JSON: "istio_policy_status", Attr: "higress.istio_policy_status", Kind: String, Column: "istio_policy_status", SQLType: "VARCHAR(100)"},
	{JSON: "ai_log", Attr: AttrAILog, Kind: JSONObject, Column: "ai_log", SQLType: "JSON"},
	{JSON: "instance_id", Attr: AttrInstanceID, Kind: String, Scope: Resource, Column: "instance_id", SQLType: "VARCHAR(255)"},
	{JSON: "api", Attr: "higress.api", Kind: String, Column: "api", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "model", Attr: AttrModel, Kind: String, Column: "model", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "consumer", Attr: AttrConsumer, Kind: String, Column: "consumer", SQLType: "VARCHAR(255)", Indexed: true},
	{JSON: "route", Attr: "higress.route", Kind: String, Column: "route", SQLType: "VARCHAR(255)"},
	{JSON: "service", Attr: AttrService, Kind: String, Column: "service", SQLType: "VARCHAR(255)"},
	{JSON: "mcp_server", Attr: AttrMCPServer, Kind: String, Column: "mcp_server", SQLType: "VARCHAR(255)"},
	{JSON: "mcp_tool", Attr: AttrMCPTool, Kind: String, Column: "mcp_tool", SQLType: "VARCHAR(255)"},
	{JSON: "input_tokens", Attr: AttrInputTokens, Kind: Int, Column: "input_tokens", SQLType: "BIGINT"},
	{JSON: "output_tokens", Attr: AttrOutputTokens, Kind: Int, Column: "output_tokens", SQLType: "BIGINT"},
	{JSON: "total_tokens", Attr: AttrTotalTokens, Kind: Int, Column: "total_tokens", SQLType: "BIGINT"},
	{JSON: "req_headers", Attr: "higress.request.headers", Kind: StringMap},
	{JSON: "resp_headers", Attr: "higress.response.headers", Kind: StringMap},
	{JSON: "req_body", Attr: "higress.request.body", Kind: String, Column: "request_body"},
	{JSON: "resp_body", Attr: "higress.response.body", Kind: String, Column: "response_body"},
	{JSON: "req_body_truncated", Attr: "higress.request.body_truncated", Kind: Bool},
	{JSON: "resp_body_truncated", Attr: "higress.response.body_truncated", Kind: Bool},
	// Sent by otelcol-log-pusher (plugin/), not by db-log-pusher: ai_log was
	// cut to the plugin's ai_log_max_bytes; and the entry's idempotency key,
	// from which the receiver derives AttrRecordUID.
	{JSON: "ai_log_truncated", Attr: "higress.ai_log_truncated", Kind: Bool},
	{JSON: "entry_id", Attr: AttrEntryID, Kind: String},
	// Usage the plugin reports only inside ai_log (the ailog processor fills
	// them from there) and the cost the processor prices; a sender may also
	// send them at the top level. Nullable, so that tables of the published
	// DDLs gain them without touching existing rows.
	{JSON: "cached_tokens", Attr: AttrCachedTokens, Kind: Int, Column: "cached_tokens", SQLType: "BIGINT NULL"},
	{JSON: "reasoning_tokens", Attr: AttrReasoningTokens, Kind: Int, Column: "reasoning_tokens", SQLType: "BIGINT NULL"},
	{JSON: "cost", Attr: AttrCost, Kind: Float, Column: "cost", SQLType: "DOUBLE NULL"},
}

// RecordUID is the idempotency column: not a db-log-pusher field (so it is
// not in Fields, which the receiver decodes by), but the column the exporter
// fills from AttrRecordUID under a unique index, so that a retried or
// redelivered record is absorbed instead of written twice.
var RecordUID = Field{Attr: AttrRecordUID, Kind: String, Column: "record_uid", SQLType: "VARCHAR(64) NULL"}

var indexByAttr = func() map[string]int {
	m := make(map[string]int, len(Fields))
	for i := range Fields {
		m[Fields[i].Attr] = i
	}
	return m
}()

// IndexOfAttr is the index in Fields of an attribute the code itself names
// (AttrStartTime, AttrRequestID, …), so that its JSON name and column are
// read from the table; a missing attribute is a programming error.
func IndexOfAttr(attr string) int {
	i, ok := indexByAttr[attr]
	if !ok {
		panic("accesslog: no field with attribute " + attr)
	}
	return i
}

// ByAttr is the row of an attribute the code itself names.
func ByAttr(attr string) *Field { return &Fields[IndexOfAttr(attr)] }

var indexByJSON = func() map[string]int {
	m := make(map[string]int, len(Fields))
	for i := range Fields {
		m[Fields[i].JSON] = i
	}
	return m
}()

// IndexOf finds a db-log-pusher key's row in Fields. Decoders keep values
// by this index so that a record is filled in table order without a map
// per entry.
func IndexOf(name string) (int, bool) {
	i, ok := indexByJSON[name]
	return i, ok
}
