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
mysqlaccesslog, with health_check, optional bearer-token auth and the
receiver's write-ahead log (wal.enabled); .Values.config is deep-merged over
it.
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
{{- if hasKey .Values.persistence "queueSize" }}
{{- fail "persistence.queueSize is no longer a value: the volume holds the receiver's write-ahead log, bounded by wal.maxSize (bytes of bodies); remove persistence.queueSize" }}
{{- end }}
{{- if .Values.wal.enabled }}
{{- include "otelcol-higress.checkGracePeriod" . }}
{{- $_ := set $cfg.extensions "file_storage/wal" (dict "directory" (include "otelcol-higress.walDir" .) "create_directory" true "fsync" true) }}
{{- $_ := set $cfg.receivers.higresslog "wal" (dict "storage" "file_storage/wal" "queue_size" (int64 .Values.wal.maxSize) "drain_timeout" .Values.wal.drainTimeout) }}
{{- /* The log is the queue: a body leaves it when the pipeline call returns, which must mean written. */}}
{{- $_ := set $cfg.exporters.mysqlaccesslog "sending_queue" (dict "enabled" false) }}
{{- $extensions = append $extensions "file_storage/wal" }}
{{- else if .Values.persistence.enabled }}
{{- fail "persistence.enabled needs wal.enabled: the volume holds the receiver's write-ahead log" }}
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
GOMAXPROCS: goMaxProcs when set; otherwise 2 when the write-ahead log is on
and the CPU limit is one core or less, so that requests are served while the
log syncs; empty (Go's default) otherwise.
*/}}
{{- define "otelcol-higress.goMaxProcs" -}}
{{- if .Values.goMaxProcs -}}
{{- .Values.goMaxProcs -}}
{{- else if .Values.wal.enabled -}}
{{- $cpu := toString (dig "limits" "cpu" "" .Values.resources) -}}
{{- $cores := 0.0 -}}
{{- if hasSuffix "m" $cpu -}}
{{- $cores = divf (trimSuffix "m" $cpu | float64) 1000 -}}
{{- else if $cpu -}}
{{- $cores = float64 $cpu -}}
{{- end -}}
{{- if and (gt $cores 0.0) (le $cores 1.0) -}}2{{- end -}}
{{- end -}}
{{- end -}}

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

{{/* Directory of the write-ahead log, on the volume mounted at persistence.mountPath. */}}
{{- define "otelcol-higress.walDir" -}}
{{- printf "%s/wal" (trimSuffix "/" .Values.persistence.mountPath) -}}
{{- end -}}

{{/* wal.drainTimeout in seconds; it is written as the collector reads it (30s, 2m). */}}
{{- define "otelcol-higress.walDrainSeconds" -}}
{{- $d := toString .Values.wal.drainTimeout -}}
{{- if regexMatch "^[0-9]+s$" $d -}}
{{- trimSuffix "s" $d | atoi -}}
{{- else if regexMatch "^[0-9]+m$" $d -}}
{{- mul (trimSuffix "m" $d | atoi) 60 -}}
{{- else -}}
{{- fail (printf "wal.drainTimeout %q: write whole seconds or minutes, e.g. 30s or 2m" $d) -}}
{{- end -}}
{{- end -}}

{{/*
The kubelet kills the container terminationGracePeriodSeconds after SIGTERM:
it must leave the log its drain and the pipeline 10 s to shut down.
*/}}
{{- define "otelcol-higress.checkGracePeriod" -}}
{{- $drain := include "otelcol-higress.walDrainSeconds" . | atoi -}}
{{- $grace := int .Values.terminationGracePeriodSeconds -}}
{{- if lt $grace (add $drain 10) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least wal.drainTimeout (%ds) + 10: the pod would be killed before the write-ahead log is drained" $grace $drain) -}}
{{- end -}}
{{- end -}}

{{/*
The container's resources: .Values.resources, plus an ephemeral-storage
request of the write-ahead log's emptyDir sizeLimit (unless the values set
one), so the scheduler puts the pod only where the log fits: a node that
runs out of local disk evicts pods, and an emptyDir log goes with its pod.
*/}}
{{- define "otelcol-higress.resources" -}}
{{- $res := deepCopy (.Values.resources | default dict) }}
{{- if and .Values.wal.enabled (not .Values.persistence.enabled) .Values.wal.emptyDir.sizeLimit }}
{{- $req := $res.requests | default dict }}
{{- if not (hasKey $req "ephemeral-storage") }}
{{- $_ := set $req "ephemeral-storage" .Values.wal.emptyDir.sizeLimit }}
{{- end }}
{{- $_ := set $res "requests" $req }}
{{- end }}
{{- toYaml $res }}
{{- end }}

{{/*
Pod affinity: .Values.affinity when set; otherwise anti-affinity between
the release's pods over podAntiAffinityTopologyKey (soft: preferred, hard:
required), so one lost node takes one replica and its log, not all.
*/}}
{{- define "otelcol-higress.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else if eq .Values.podAntiAffinity "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: {{ .Values.podAntiAffinityTopologyKey }}
        labelSelector:
          matchLabels:
            {{- include "otelcol-higress.selectorLabels" . | nindent 12 }}
{{- else if eq .Values.podAntiAffinity "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: {{ .Values.podAntiAffinityTopologyKey }}
      labelSelector:
        matchLabels:
          {{- include "otelcol-higress.selectorLabels" . | nindent 10 }}
{{- else if .Values.podAntiAffinity }}
{{- fail (printf "podAntiAffinity %q: soft, hard or \"\"" .Values.podAntiAffinity) }}
{{- end }}
{{- end }}
