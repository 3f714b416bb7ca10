{{- define "otelcol-higress.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "otelcol-higress.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "otelcol-higress.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "otelcol-higress.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "otelcol-higress.selectorLabels" -}}
app.kubernetes.io/name: {{ include "otelcol-higress.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "otelcol-higress.serviceName" -}}
{{- default (include "otelcol-higress.fullname" .) .Values.service.name }}
{{- end }}

{{- define "otelcol-higress.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "otelcol-higress.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Secret holding the MySQL DSN: the user's, or the one this chart creates. */}}
{{- define "otelcol-higress.dsnSecretName" -}}
{{- default (printf "%s-mysql" (include "otelcol-higress.fullname" .)) .Values.mysql.existingSecret }}
{{- end }}

{{- define "otelcol-higress.dsnSecretKey" -}}
{{- if .Values.mysql.existingSecret }}{{ .Values.mysql.existingSecretKey }}{{ else }}dsn{{ end }}
{{- end }}

{{- define "otelcol-higress.tokenSecretName" -}}
{{- default (printf "%s-ingest-token" (include "otelcol-higress.fullname" .)) .Values.ingest.auth.existingSecret }}
{{- end }}

{{- define "otelcol-higress.tokenSecretKey" -}}
{{- if .Values.ingest.auth.existingSecret }}{{ .Values.ingest.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/*
The collector configuration: higresslog → memory_limiter → ailog →
mysqlaccesslog, with health_check, optional bearer-token auth and an optional
persistent queue; .Values.config is deep-merged over it.
*/}}
{{- define "otelcol-higress.config" -}}
{{- $extensions := list "health_check" }}
{{- $cfg := dict
  "extensions" (dict "health_check" (dict "endpoint" (printf "0.0.0.0:%d" (int .Values.healthCheckPort))))
  "receivers" (dict "higresslog" (dict
      "endpoint" (printf "0.0.0.0:%d" (int .Values.containerPort))
      "ingest_path" .Values.ingest.path
      "max_request_body_size" (int64 .Values.ingest.maxRequestBodySize)))
  "processors" (dict
      "memory_limiter" (dict "check_interval" "1s" "limit_percentage" (int .Values.memoryLimiter.limitPercentage) "spike_limit_percentage" (int .Values.memoryLimiter.spikeLimitPercentage))
      "ailog" (dict))
  "exporters" (dict "mysqlaccesslog" (dict
      "dsn" "${env:MYSQL_DSN}"
      "table" .Values.mysql.table
      "create_schema" .Values.mysql.createSchema))
}}
{{- if .Values.mysql.database }}
{{- fail "mysql.database is no longer a value: name the database in the DSN (user:pass@tcp(mysql:3306)/<database>)" }}
{{- end }}
{{- if .Values.ingest.auth.enabled }}
{{- $_ := set $cfg.extensions "bearertokenauth" (dict "token" "${env:INGEST_TOKEN}") }}
{{- $_ := set $cfg.receivers.higresslog "auth" (dict "authenticator" "bearertokenauth") }}
{{- $extensions = append $extensions "bearertokenauth" }}
{{- end }}
{{- if .Values.persistence.enabled }}
{{- $_ := set $cfg.extensions "file_storage/queue" (dict "directory" (printf "%s/queue" .Values.persistence.mountPath) "create_directory" true "fsync" true) }}
{{- $_ := set $cfg.exporters.mysqlaccesslog "sending_queue" (dict "storage" "file_storage/queue" "sizer" "items" "queue_size" (int64 .Values.persistence.queueSize)) }}
{{- $extensions = append $extensions "file_storage/queue" }}
{{- end }}
{{- if .Values.query.enabled }}
{{- $_ := set $cfg.extensions "accesslogquery" (include "otelcol-higress.queryExtension" . | fromYaml) }}
{{- if .Values.query.auth.enabled }}
{{- $_ := set $cfg.extensions "bearertokenauth/query" (dict "token" "${env:QUERY_TOKEN}") }}
{{- $extensions = append $extensions "bearertokenauth/query" }}
{{- end }}
{{- $extensions = append $extensions "accesslogquery" }}
{{- end }}
{{- $_ := set $cfg "service" (dict
  "extensions" $extensions
  "telemetry" (dict "metrics" (dict "readers" (list (dict "pull" (dict "exporter" (dict "prometheus" (dict "host" "0.0.0.0" "port" (int .Values.metrics.port))))))))
  "pipelines" (dict "logs" (dict "receivers" (list "higresslog") "processors" (list "memory_limiter" "ailog") "exporters" (list "mysqlaccesslog"))))
}}
{{- include "otelcol-higress.genaiMetrics" (dict "cfg" $cfg "ctx" .) }}
{{- toYaml (mustMergeOverwrite $cfg (deepCopy .Values.config)) }}
{{- end }}

{{/*
GOMEMLIMIT: goMemLimit when set; otherwise 90 % of memory_limiter's soft
limit ((limitPercentage - spikePercentage) of resources.limits.memory, in
Mi or Gi), so that the garbage collector keeps the heap under the limiter
and the limiter only refuses when live data is too big (BENCHMARKS.md).
Empty when neither can be worked out.
*/}}
{{- define "otelcol-higress.goMemLimit" -}}
{{- if .Values.goMemLimit -}}
{{- .Values.goMemLimit -}}
{{- else -}}
{{- $mem := toString (dig "limits" "memory" "" .Values.resources) -}}
{{- $mib := 0.0 -}}
{{- if hasSuffix "Gi" $mem -}}
{{- $mib = mulf (trimSuffix "Gi" $mem | float64) 1024 -}}
{{- else if hasSuffix "Mi" $mem -}}
{{- $mib = trimSuffix "Mi" $mem | float64 -}}
{{- end -}}
{{- $share := sub .Values.memoryLimiter.limitPercentage .Values.memoryLimiter.spikeLimitPercentage -}}
{{- if and (gt $mib 0.0) (gt (int $share) 0) -}}
{{- printf "%dMiB" (int (floor (divf (mulf $mib $share 0.9) 100))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
