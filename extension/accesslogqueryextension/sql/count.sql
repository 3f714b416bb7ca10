SELECT COUNT(*)
FROM {{.Table}}
WHERE {{.Where}}
