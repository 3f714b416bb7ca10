SELECT {{range .Groups}}{{.}}, {{end}}
  MAX(CASE WHEN rn = CAST(CEIL(0.50 * cnt) AS UNSIGNED) THEN d END),
  MAX(CASE WHEN rn = CAST(CEIL(0.95 * cnt) AS UNSIGNED) THEN d END),
  MAX(CASE WHEN rn = CAST(CEIL(0.99 * cnt) AS UNSIGNED) THEN d END)
FROM (
  SELECT {{range .Groups}}{{.}}, {{end}}{{.Duration}} AS d,
    ROW_NUMBER() OVER ({{if .Groups}}PARTITION BY {{join .Groups}} {{end}}ORDER BY {{.Duration}}) AS rn,
    COUNT(*) OVER ({{if .Groups}}PARTITION BY {{join .Groups}}{{end}}) AS cnt
  FROM {{.Table}}
  WHERE {{.Where}} AND {{.Duration}} IS NOT NULL
) ranked
{{- if .Groups}}
GROUP BY {{join .Groups}}
{{- end}}
