SELECT {{.ID}}
FROM {{.Table}}
WHERE {{.ID}} <= ?
ORDER BY {{.ID}} DESC
LIMIT ?
