package accesslog

// AIKind is how the ailog processor types one ai_log value.
type AIKind int

const (
	// AIString values become string attributes; "" means absent.
	AIString AIKind = iota
	// AINumber values (JSON numbers or numeric strings) become ints, or
	// doubles where fractional. Anything else stays a string and is counted.
	AINumber
	// AIText values become string attributes whatever their JSON type
	// (jsonrpc ids are numbers or strings; semconv types them as string).
	AIText
	// AIObject values (an object, or the object JSON-encoded in a string) are
	// flattened: each entry becomes Attr + "." + entry key, numbers typed.
	AIObject
	// AIJSON values are copied with their JSON shape (maps, slices, …).
	AIJSON
)

// AILogKey is one row of the ai_log table: a key that ai-statistics (or
// another Higress plugin) writes into ai_log, and the attribute it becomes.
type AILogKey struct {
	// Key is the ai_log key, spelled as the plugin writes it.
	Key string
	// Attr is the flat attribute. When it equals Column the key only fills
	// the column attribute when the top level lacks it, never overriding it.
	Attr string
	// Kind is how the value is typed.
	Kind AIKind
	// Column is the column attribute this key fills when the top level lacks
	// it; "" when none.
	Column string
	// Content marks the large, sensitive keys the content policy governs.
	Content bool
}

// AILogAttrPrefix namespaces ai_log keys that have no semconv name, and the
// custom keys operators configure in ai-statistics.
const AILogAttrPrefix = "higress.ai."

// ai_log keys the processor reads by name to fill columns the top level lacks.
const (
	AILogModel        = "model"
	AILogInputToken   = "input_token"
	AILogOutputToken  = "output_token"
	AILogTotalToken   = "total_token"
	AILogConsumer     = "consumer"
	AILogMCPToolName  = "mcp_tool_name"
	AILogUnknownModel = "unknown"

	AILogReasoningTokens    = "reasoning_tokens"
	AILogCachedTokens       = "cached_tokens"
	AILogInputTokenDetails  = "input_token_details"
	AILogOutputTokenDetails = "output_token_details"
)

// Flat attributes of ai_log keys (OTel GenAI semconv v1.41 where one exists).
const (
	AttrResponseModel     = "gen_ai.response.model"
	AttrReasoningTokens   = "gen_ai.usage.reasoning.output_tokens"
	AttrCachedTokens      = "gen_ai.usage.cache_read.input_tokens"
	AttrConversationID    = "gen_ai.conversation.id"
	AttrToolCallArguments = "gen_ai.tool.call.arguments"
	AttrToolCallResult    = "gen_ai.tool.call.result"
	AttrJSONRPCVersion    = "jsonrpc.protocol.version"
	AttrJSONRPCRequestID  = "jsonrpc.request.id"
	AttrMCPMethod         = "mcp.method.name"
)

// AILogKeys is THE ai_log table, in the order of the data contract. It is
// an array so that code holding one thing per key can size it by
// len(AILogKeys) at compile time.
// Durations keep the plugin's unit (ms) in their name: semconv's
// gen_ai.response.time_to_first_chunk is in seconds, so it is not reused.
var AILogKeys = [...]AILogKey{
	// usage
	{Key: AILogModel, Attr: AttrResponseModel, Kind: AIString, Column: AttrModel},
	{Key: AILogInputToken, Attr: AttrInputTokens, Kind: AINumber, Column: AttrInputTokens},
	{Key: AILogOutputToken, Attr: AttrOutputTokens, Kind: AINumber, Column: AttrOutputTokens},
	{Key: AILogTotalToken, Attr: AttrTotalTokens, Kind: AINumber, Column: AttrTotalTokens},
	{Key: AILogReasoningTokens, Attr: AttrReasoningTokens, Kind: AINumber, Column: AttrReasoningTokens},
	{Key: AILogCachedTokens, Attr: AttrCachedTokens, Kind: AINumber, Column: AttrCachedTokens},
	{Key: AILogInputTokenDetails, Attr: AILogAttrPrefix + "usage.input_token_details", Kind: AIObject},
	{Key: AILogOutputTokenDetails, Attr: AILogAttrPrefix + "usage.output_token_details", Kind: AIObject},
	// timing / type
	{Key: "llm_first_token_duration", Attr: AILogAttrPrefix + "llm_first_token_duration_ms", Kind: AINumber},
	{Key: "llm_service_duration", Attr: AILogAttrPrefix + "llm_service_duration_ms", Kind: AINumber},
	{Key: "response_type", Attr: AILogAttrPrefix + "response_type", Kind: AIString},
	// identity
	{Key: "api", Attr: AILogAttrPrefix + "api", Kind: AIString},
	{Key: AILogConsumer, Attr: AILogAttrPrefix + "consumer", Kind: AIString, Column: AttrConsumer},
	{Key: "session_id", Attr: AttrConversationID, Kind: AIString},
	{Key: "chat_id", Attr: AILogAttrPrefix + "chat_id", Kind: AIString},
	{Key: "chat_round", Attr: AILogAttrPrefix + "chat_round", Kind: AINumber},
	// status
	{Key: "cache_status", Attr: AILogAttrPrefix + "cache_status", Kind: AIString},
	{Key: "token_ratelimit_status", Attr: AILogAttrPrefix + "token_ratelimit_status", Kind: AIString},
	{Key: "safecheck_status", Attr: AILogAttrPrefix + "safecheck.status", Kind: AIString},
	{Key: "safecheck_riskLabel", Attr: AILogAttrPrefix + "safecheck.risk_label", Kind: AIString},
	{Key: "safecheck_riskWords", Attr: AILogAttrPrefix + "safecheck.risk_words", Kind: AIString},
	{Key: "safecheck_request_rt", Attr: AILogAttrPrefix + "safecheck.request_rt_ms", Kind: AINumber},
	{Key: "safecheck_response_rt", Attr: AILogAttrPrefix + "safecheck.response_rt_ms", Kind: AINumber},
	{Key: "fallback_from", Attr: AILogAttrPrefix + "fallback_from", Kind: AIString},
	// MCP
	{Key: AILogMCPToolName, Attr: AttrMCPTool, Kind: AIString, Column: AttrMCPTool},
	{Key: "mcp_tool_arguments", Attr: AttrToolCallArguments, Kind: AIJSON, Content: true},
	{Key: "mcp_tool_response", Attr: AttrToolCallResult, Kind: AIJSON, Content: true},
	{Key: "mcp_tool_error", Attr: AILogAttrPrefix + "mcp.tool_error", Kind: AIText},
	{Key: "jsonrpc_version", Attr: AttrJSONRPCVersion, Kind: AIText},
	{Key: "jsonrpc_id", Attr: AttrJSONRPCRequestID, Kind: AIText},
	{Key: "jsonrpc_method", Attr: AttrMCPMethod, Kind: AIString},
	{Key: "jsonrpc_params", Attr: AILogAttrPrefix + "jsonrpc.params", Kind: AIJSON},
	{Key: "jsonrpc_result", Attr: AILogAttrPrefix + "jsonrpc.result", Kind: AIJSON},
	// content
	{Key: "question", Attr: AILogAttrPrefix + "question", Kind: AIJSON, Content: true},
	{Key: "system", Attr: AILogAttrPrefix + "system", Kind: AIJSON, Content: true},
	{Key: "answer", Attr: AILogAttrPrefix + "answer", Kind: AIJSON, Content: true},
	{Key: "reasoning", Attr: AILogAttrPrefix + "reasoning", Kind: AIJSON, Content: true},
	{Key: "messages", Attr: AILogAttrPrefix + "messages", Kind: AIJSON, Content: true},
	{Key: "tool_calls", Attr: AILogAttrPrefix + "tool_calls", Kind: AIJSON, Content: true},
}

// AILogDetail is an entry of a token-details object that fills a column
// attribute when ai_log lacks the key of its own: ai-statistics copies the
// provider's usage details there (wasm-go pkg/tokenusage: OpenAI's
// prompt_tokens_details and completion_tokens_details as they are,
// Anthropic's usage.cache_read_input_tokens, Gemini's
// usageMetadata.cachedContentTokenCount and thoughtsTokenCount under snake
// case names), and writes its own cached_tokens / reasoning_tokens only
// from OpenAI's names.
type AILogDetail struct {
	// Object is the ai_log key of the details object.
	Object string
	// Entry is the key inside it.
	Entry string
	// Column is the column attribute it fills.
	Column string
	// Provider names the provider whose usage uses Entry ("" for the
	// OpenAI shape ai-statistics writes).
	Provider string
}

// AILogDetails lists the details entries that fill columns; of several
// entries for one column, the first present wins.
var AILogDetails = [...]AILogDetail{
	{Object: AILogInputTokenDetails, Entry: "cached_tokens", Column: AttrCachedTokens},
	{Object: AILogInputTokenDetails, Entry: "cache_read_input_tokens", Column: AttrCachedTokens, Provider: "Anthropic"},
	{Object: AILogInputTokenDetails, Entry: "cached_content_token_count", Column: AttrCachedTokens, Provider: "Gemini"},
	{Object: AILogOutputTokenDetails, Entry: "reasoning_tokens", Column: AttrReasoningTokens},
	{Object: AILogOutputTokenDetails, Entry: "thoughts_token_count", Column: AttrReasoningTokens, Provider: "Gemini"},
}

var aiLogByKey = func() map[string]*AILogKey {
	m := make(map[string]*AILogKey, len(AILogKeys))
	for i := range AILogKeys {
		m[AILogKeys[i].Key] = &AILogKeys[i]
	}
	return m
}()

// AILogByKey finds the row of an ai_log key.
func AILogByKey(key string) (*AILogKey, bool) {
	k, ok := aiLogByKey[key]
	return k, ok
}

// AILogCustomAttr is the attribute of an ai_log key the table does not know
// (an operator's custom key): kept as sent under the higress.ai. namespace.
func AILogCustomAttr(key string) string {
	return AILogAttrPrefix + "custom." + key
}
