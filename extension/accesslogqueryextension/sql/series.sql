SELECT FLOOR({{.Epoch}} / ?) AS bucket, COUNT(*),
  COALESCE(SUM(CASE WHEN {{.Code}} = 0 OR {{.Code}} >= 400 THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN {{.Code}} >= 400 AND {{.Code}} < 500 THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN {{.Code}} >= 500 AND {{.Code}} < 600 THEN 1 ELSE 0 END), 0)
  {{- range .Sums}},
  COALESCE(SUM({{.}}), 0)
  {{- end}}
FROM {{.Table}}
WHERE {{.Where}}
GROUP BY bucket
ORDER BY bucket
