SELECT {{.Columns}}
FROM {{.Table}}
WHERE {{.Ranges}} AND {{.Where}}
ORDER BY {{.ID}}
LIMIT ?
