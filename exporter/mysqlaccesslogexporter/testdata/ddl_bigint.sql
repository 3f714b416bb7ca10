-- The variant with epoch-seconds BIGINT start_time and request/response
-- bodies (the third published DDL).
CREATE TABLE access_logs (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  start_time BIGINT NOT NULL COMMENT 'Request start time (epoch seconds)',
  trace_id VARCHAR(255), authority VARCHAR(255), method VARCHAR(10), path TEXT, protocol VARCHAR(20),
  request_id VARCHAR(255), user_agent TEXT, x_forwarded_for TEXT, response_code INT, response_flags VARCHAR(100),
  response_code_details TEXT, bytes_received BIGINT, bytes_sent BIGINT, duration BIGINT,
  upstream_cluster VARCHAR(255), upstream_host VARCHAR(255), upstream_service_time VARCHAR(50),
  upstream_transport_failure_reason TEXT, upstream_local_address VARCHAR(255), downstream_local_address VARCHAR(255),
  downstream_remote_address VARCHAR(255), route_name VARCHAR(255), requested_server_name VARCHAR(255),
  istio_policy_status VARCHAR(100), ai_log JSON, instance_id VARCHAR(255), api VARCHAR(255), model VARCHAR(255),
  consumer VARCHAR(255), route VARCHAR(255), service VARCHAR(255), mcp_server VARCHAR(255), mcp_tool VARCHAR(255),
  input_tokens BIGINT, output_tokens BIGINT, total_tokens BIGINT,
  request_body MEDIUMTEXT, response_body MEDIUMTEXT,
  INDEX idx_start_time (start_time), INDEX idx_model (model)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
