SELECT {{.Columns}}
FROM {{.Table}}
WHERE {{.Where}}
ORDER BY {{.OrderBy}}
LIMIT ? OFFSET ?
