-- [D] the newest higress.cn guide: BIGINT epoch-seconds start_time,
-- request_body/response_body. Copied as published, comments dropped.
CREATE TABLE IF NOT EXISTS access_logs (
  id bigint NOT NULL AUTO_INCREMENT COMMENT 'Primary key ID',
  start_time bigint NULL DEFAULT NULL COMMENT 'Request start time (Unix epoch seconds)',
  trace_id varchar(64) NULL DEFAULT NULL COMMENT 'X-B3-TraceID distributed tracing ID',
  authority varchar(128) NULL DEFAULT NULL COMMENT 'Host/Authority domain',
  method varchar(16) NULL DEFAULT NULL COMMENT 'HTTP method (GET/POST, etc.)',
  path varchar(1024) NULL DEFAULT NULL COMMENT 'Request path',
  protocol varchar(16) NULL DEFAULT NULL COMMENT 'HTTP protocol version (HTTP/1.1, etc.)',
  request_id varchar(64) NULL DEFAULT NULL COMMENT 'X-Request-ID request identifier',
  user_agent varchar(512) NULL DEFAULT NULL COMMENT 'User-Agent client information',
  x_forwarded_for varchar(256) NULL DEFAULT NULL COMMENT 'X-Forwarded-For client IP',
  response_code int NULL DEFAULT NULL COMMENT 'Response status code (200/404/500, etc.)',
  response_flags varchar(64) NULL DEFAULT NULL COMMENT 'Envoy response flags',
  response_code_details varchar(256) NULL DEFAULT NULL COMMENT 'Response code details',
  bytes_received bigint NULL DEFAULT NULL COMMENT 'Bytes received',
  bytes_sent bigint NULL DEFAULT NULL COMMENT 'Bytes sent',
  duration int NULL DEFAULT NULL COMMENT 'Total request duration (ms)',
  upstream_cluster varchar(256) NULL DEFAULT NULL COMMENT 'Upstream cluster name',
  upstream_host varchar(256) NULL DEFAULT NULL COMMENT 'Upstream host address',
  upstream_service_time varchar(32) NULL DEFAULT NULL COMMENT 'Upstream service time',
  upstream_transport_failure_reason varchar(256) NULL DEFAULT NULL COMMENT 'Upstream transport failure reason',
  upstream_local_address varchar(64) NULL DEFAULT NULL COMMENT 'Upstream local address',
  downstream_local_address varchar(64) NULL DEFAULT NULL COMMENT 'Downstream local address',
  downstream_remote_address varchar(64) NULL DEFAULT NULL COMMENT 'Downstream remote address',
  route_name varchar(256) NULL DEFAULT NULL COMMENT 'Route name',
  requested_server_name varchar(256) NULL DEFAULT NULL COMMENT 'SNI server name',
  istio_policy_status varchar(64) NULL DEFAULT NULL COMMENT 'Istio policy status',
  ai_log json NULL DEFAULT NULL COMMENT 'WASM AI log (JSON string)',
  instance_id varchar(128) NULL DEFAULT NULL COMMENT 'Instance ID (Pod name or container ID)',
  api varchar(128) NULL DEFAULT NULL COMMENT 'API name (for example, chat/completions)',
  model varchar(128) NULL DEFAULT NULL COMMENT 'Model name (for example, qwen-max)',
  consumer varchar(256) NULL DEFAULT NULL COMMENT 'Consumer information (username/API key, etc.)',
  route varchar(256) NULL DEFAULT NULL COMMENT 'Route name (redundant field for easier queries)',
  service varchar(256) NULL DEFAULT NULL COMMENT 'Service name (upstream service)',
  mcp_server varchar(256) NULL DEFAULT NULL COMMENT 'MCP server name',
  mcp_tool varchar(256) NULL DEFAULT NULL COMMENT 'MCP tool name',
  input_tokens bigint NULL DEFAULT NULL COMMENT 'Input token count',
  output_tokens bigint NULL DEFAULT NULL COMMENT 'Output token count',
  total_tokens bigint NULL DEFAULT NULL COMMENT 'Total token count',
  request_body mediumtext NULL DEFAULT NULL COMMENT 'Request body (up to 16MB)',
  response_body mediumtext NULL DEFAULT NULL COMMENT 'Response body (up to 16MB)',
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='HTTP access log table';
CREATE INDEX idx_start_time ON access_logs (start_time DESC);
CREATE INDEX idx_trace_id ON access_logs (trace_id);
CREATE INDEX idx_authority_time ON access_logs (authority, start_time DESC);
CREATE INDEX idx_response_code_time ON access_logs (response_code, start_time DESC);
CREATE INDEX idx_path ON access_logs (path(255));
CREATE INDEX idx_method_authority ON access_logs (method, authority);
CREATE INDEX idx_duration ON access_logs (duration DESC);
CREATE INDEX idx_upstream_cluster ON access_logs (upstream_cluster, start_time DESC);
CREATE INDEX idx_route_name ON access_logs (route_name, start_time DESC);
CREATE INDEX idx_instance_id ON access_logs (instance_id, start_time DESC);
CREATE INDEX idx_api ON access_logs (api, start_time DESC);
CREATE INDEX idx_model ON access_logs (model, start_time DESC);
CREATE INDEX idx_consumer ON access_logs (consumer, start_time DESC);
CREATE INDEX idx_service ON access_logs (service, start_time DESC);
CREATE INDEX idx_mcp_server ON access_logs (mcp_server, start_time DESC);
CREATE INDEX idx_mcp_tool ON access_logs (mcp_tool, start_time DESC);
