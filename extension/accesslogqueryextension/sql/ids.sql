SELECT {{.ID}}
FROM {{.Table}}
WHERE {{.ID}} > ? AND {{.ID}} <= ?
ORDER BY {{.ID}}
LIMIT ?
