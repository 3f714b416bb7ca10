package accesslog

// PrimaryKeyColumn is the AUTO_INCREMENT BIGINT primary key every
// access_logs DDL has (the published ones and the exporter's). It is not a
// db-log-pusher field, so it is not in Fields; readers use it to page and
// to follow new rows in commit order across every writer.
const PrimaryKeyColumn = "id"
