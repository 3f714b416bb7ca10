SELECT {{range .Groups}}{{.}}, {{end}}COUNT(*), COUNT(DISTINCT {{.UV}}),
  COALESCE(SUM(CASE WHEN {{.Details}} = ? THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN {{.Code}} = 0 OR {{.Code}} >= 400 THEN 1 ELSE 0 END), 0)
  {{- range .Sums}},
  COALESCE(SUM({{.}}), 0)
  {{- end}}
FROM {{.Table}}
WHERE {{.Where}}
{{- if .Groups}}
GROUP BY {{join .Groups}}
ORDER BY COUNT(*) DESC, {{join .Groups}}
LIMIT ?
{{- end}}
