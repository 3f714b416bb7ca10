INSERT INTO %s (`record_uid`, `rejected_at`, `reason`, `request_id`, `start_time`, `error`, `record`)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE `record_uid` = `record_uid`
