SELECT {{.ID}}
FROM {{.Table}}
WHERE {{.Ranges}}
ORDER BY {{.ID}}
LIMIT ?
