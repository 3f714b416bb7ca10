-- [A] db-log-collector init.sql (higress-group/db-log-pusher log-collector/init.sql @ 6de8d8d):
-- TIMESTAMP NULL start_time, indexes created separately. Copied as published, comments dropped.
CREATE TABLE `access_logs` (
  `id` bigint NOT NULL AUTO_INCREMENT COMMENT '主键ID',
  `start_time` timestamp NULL DEFAULT NULL COMMENT '请求开始时间',
  `trace_id` varchar(64) NULL DEFAULT NULL COMMENT 'X-B3-TraceID 分布式追踪ID',
  `authority` varchar(128) NULL DEFAULT NULL COMMENT 'Host/Authority 域名',
  `method` varchar(16) NULL DEFAULT NULL COMMENT 'HTTP 方法 (GET/POST等)',
  `path` varchar(1024) NULL DEFAULT NULL COMMENT '请求路径',
  `protocol` varchar(16) NULL DEFAULT NULL COMMENT 'HTTP 协议版本 (HTTP/1.1等)',
  `request_id` varchar(64) NULL DEFAULT NULL COMMENT 'X-Request-ID 请求唯一标识',
  `user_agent` varchar(512) NULL DEFAULT NULL COMMENT 'User-Agent 客户端信息',
  `x_forwarded_for` varchar(256) NULL DEFAULT NULL COMMENT 'X-Forwarded-For 客户端真实IP',
  `response_code` int NULL DEFAULT NULL COMMENT '响应状态码 (200/404/500等)',
  `response_flags` varchar(64) NULL DEFAULT NULL COMMENT 'Envoy 响应标志',
  `response_code_details` varchar(256) NULL DEFAULT NULL COMMENT '响应码详情',
  `bytes_received` bigint NULL DEFAULT NULL COMMENT '接收字节数',
  `bytes_sent` bigint NULL DEFAULT NULL COMMENT '发送字节数',
  `duration` int NULL DEFAULT NULL COMMENT '请求总耗时(ms)',
  `upstream_cluster` varchar(256) NULL DEFAULT NULL COMMENT '上游集群名',
  `upstream_host` varchar(256) NULL DEFAULT NULL COMMENT '上游主机地址',
  `upstream_service_time` varchar(32) NULL DEFAULT NULL COMMENT '上游服务耗时',
  `upstream_transport_failure_reason` varchar(256) NULL DEFAULT NULL COMMENT '上游传输失败原因',
  `upstream_local_address` varchar(64) NULL DEFAULT NULL COMMENT '上游本地地址',
  `downstream_local_address` varchar(64) NULL DEFAULT NULL COMMENT '下游本地地址',
  `downstream_remote_address` varchar(64) NULL DEFAULT NULL COMMENT '下游远程地址',
  `route_name` varchar(256) NULL DEFAULT NULL COMMENT '路由名称',
  `requested_server_name` varchar(256) NULL DEFAULT NULL COMMENT 'SNI 服务器名称',
  `istio_policy_status` varchar(64) NULL DEFAULT NULL COMMENT 'Istio 策略状态',
  `ai_log` json NULL DEFAULT NULL COMMENT 'WASM AI 日志 (JSON字符串)',
  `instance_id` varchar(128) NULL DEFAULT NULL COMMENT '实例ID（Pod名称或容器ID）',
  `api` varchar(128) NULL DEFAULT NULL COMMENT 'API名称（如 chat/completions）',
  `model` varchar(128) NULL DEFAULT NULL COMMENT '模型名称（如 qwen-max）',
  `consumer` varchar(256) NULL DEFAULT NULL COMMENT '消费者信息（用户名/API Key等）',
  `route` varchar(256) NULL DEFAULT NULL COMMENT '路由名称（冗余字段，便于查询）',
  `service` varchar(256) NULL DEFAULT NULL COMMENT '服务名称（上游服务）',
  `mcp_server` varchar(256) NULL DEFAULT NULL COMMENT 'MCP服务器名称',
  `mcp_tool` varchar(256) NULL DEFAULT NULL COMMENT 'MCP工具名称',
  `input_tokens` bigint NULL DEFAULT NULL COMMENT '输入token数量',
  `output_tokens` bigint NULL DEFAULT NULL COMMENT '输出token数量',
  `total_tokens` bigint NULL DEFAULT NULL COMMENT '总token数量',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='HTTP 访问日志表（对齐 log-format.json 27字段 + 8监控元数据 + 3 token字段）';
CREATE INDEX `idx_start_time` ON `access_logs` (`start_time` DESC);
CREATE INDEX `idx_trace_id` ON `access_logs` (`trace_id`);
CREATE INDEX `idx_authority_time` ON `access_logs` (`authority`, `start_time` DESC);
CREATE INDEX `idx_response_code_time` ON `access_logs` (`response_code`, `start_time` DESC);
CREATE INDEX `idx_path` ON `access_logs` (`path`(255));
CREATE INDEX `idx_method_authority` ON `access_logs` (`method`, `authority`);
CREATE INDEX `idx_duration` ON `access_logs` (`duration` DESC);
CREATE INDEX `idx_upstream_cluster` ON `access_logs` (`upstream_cluster`, `start_time` DESC);
CREATE INDEX `idx_route_name` ON `access_logs` (`route_name`, `start_time` DESC);
CREATE INDEX `idx_instance_id` ON `access_logs` (`instance_id`, `start_time` DESC);
CREATE INDEX `idx_api` ON `access_logs` (`api`, `start_time` DESC);
CREATE INDEX `idx_model` ON `access_logs` (`model`, `start_time` DESC);
CREATE INDEX `idx_consumer` ON `access_logs` (`consumer`, `start_time` DESC);
CREATE INDEX `idx_service` ON `access_logs` (`service`, `start_time` DESC);
CREATE INDEX `idx_mcp_server` ON `access_logs` (`mcp_server`, `start_time` DESC);
CREATE INDEX `idx_mcp_tool` ON `access_logs` (`mcp_tool`, `start_time` DESC);
