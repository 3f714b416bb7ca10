CREATE TABLE IF NOT EXISTS %s (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `record_uid` VARCHAR(64) NULL,
  `rejected_at` TIMESTAMP(3) NULL,
  `reason` VARCHAR(32) NULL,
  `request_id` VARCHAR(255) NULL,
  `start_time` DATETIME(3) NULL,
  `error` TEXT NULL,
  `record` LONGTEXT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_record_uid` (`record_uid`),
  KEY `idx_request_id` (`request_id`(191)),
  KEY `idx_rejected_at` (`rejected_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
