SELECT {{.Columns}}
FROM {{.Table}}
WHERE {{.ID}} > ? AND {{.ID}} <= ? AND {{.Where}}
ORDER BY {{.ID}}
LIMIT ?
