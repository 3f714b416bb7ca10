SELECT bucket,
  MAX(CASE WHEN rn = CAST(CEIL(0.50 * cnt) AS UNSIGNED) THEN d END),
  MAX(CASE WHEN rn = CAST(CEIL(0.95 * cnt) AS UNSIGNED) THEN d END)
FROM (
  SELECT bucket, d,
    ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY d) AS rn,
    COUNT(*) OVER (PARTITION BY bucket) AS cnt
  FROM (
    SELECT FLOOR({{.Epoch}} / ?) AS bucket, {{.Duration}} AS d
    FROM {{.Table}}
    WHERE {{.Where}} AND {{.Duration}} IS NOT NULL
  ) bucketed
) ranked
GROUP BY bucket
