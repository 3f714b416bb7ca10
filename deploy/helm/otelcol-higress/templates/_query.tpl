{{/*
The query API (accesslogquery extension): its collector configuration and
the Secrets its DSN and token come from.
*/}}
{{- define "otelcol-higress.queryExtension" -}}
endpoint: {{ printf "0.0.0.0:%d" (int .Values.query.port) | quote }}
mysql:
  dsn: "${env:QUERY_MYSQL_DSN}"
table: {{ .Values.mysql.table | quote }}
default_window: {{ .Values.query.defaultWindow | quote }}
max_window: {{ .Values.query.maxWindow | quote }}
tail:
  max_concurrent: {{ int .Values.query.maxTails }}
{{- if .Values.query.auth.enabled }}
auth:
  authenticator: bearertokenauth/query
{{- end }}
{{- end }}

{{/* Secret and key of the read DSN: its own, else the exporter's. */}}
{{- define "otelcol-higress.queryDsnSecretName" -}}
{{- if .Values.query.existingSecret }}{{ .Values.query.existingSecret }}
{{- else if .Values.query.dsn }}{{ printf "%s-query-mysql" (include "otelcol-higress.fullname" .) }}
{{- else }}{{ include "otelcol-higress.dsnSecretName" . }}{{ end }}
{{- end }}

{{- define "otelcol-higress.queryDsnSecretKey" -}}
{{- if .Values.query.existingSecret }}{{ .Values.query.existingSecretKey }}
{{- else if .Values.query.dsn }}dsn
{{- else }}{{ include "otelcol-higress.dsnSecretKey" . }}{{ end }}
{{- end }}

{{- define "otelcol-higress.queryTokenSecretName" -}}
{{- default (printf "%s-query-token" (include "otelcol-higress.fullname" .)) .Values.query.auth.existingSecret }}
{{- end }}

{{- define "otelcol-higress.queryTokenSecretKey" -}}
{{- if .Values.query.auth.existingSecret }}{{ .Values.query.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* Environment of the query API in the collector container. */}}
{{- define "otelcol-higress.queryEnv" -}}
{{- if .Values.query.enabled }}
- name: QUERY_MYSQL_DSN
  valueFrom:
    secretKeyRef:
      name: {{ include "otelcol-higress.queryDsnSecretName" . }}
      key: {{ include "otelcol-higress.queryDsnSecretKey" . }}
{{- if .Values.query.auth.enabled }}
- name: QUERY_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "otelcol-higress.queryTokenSecretName" . }}
      key: {{ include "otelcol-higress.queryTokenSecretKey" . }}
{{- end }}
{{- end }}
{{- end }}
