SELECT {{.Group}}, COUNT(*),
  COALESCE(SUM(CASE WHEN {{.Code}} = 0 OR {{.Code}} >= 400 THEN 1 ELSE 0 END), 0)
FROM {{.Table}}
WHERE {{.Where}}
GROUP BY {{.Group}}
ORDER BY COUNT(*) DESC, {{.Group}}
LIMIT ?
