{{/*
GenAI metrics (metrics.genai.enabled): the signal_to_metrics pipeline of
config/metrics.yaml (files/genai-metrics.yaml) behind a Prometheus endpoint
on metrics.genai.port. Called with (dict "cfg" $cfg "ctx" .), it adds the
components and the metrics pipeline to the configuration dict $cfg and
renders nothing.
*/}}
{{- define "otelcol-higress.genaiMetrics" -}}
{{- $v := .ctx.Values.metrics.genai -}}
{{- if $v.enabled -}}
{{- $cfg := .cfg -}}
{{- $g := .ctx.Files.Get "files/genai-metrics.yaml" | fromYaml -}}
{{- $_ := set $g.exporters.prometheus "endpoint" (printf "0.0.0.0:%d" (int $v.port)) -}}
{{- $_ := set $g.processors.deltatocumulative "max_streams" (int $v.maxSeries) -}}
{{- $_ := set $cfg "processors" (mustMergeOverwrite $cfg.processors $g.processors) -}}
{{- $_ := set $cfg "exporters" (mustMergeOverwrite $cfg.exporters $g.exporters) -}}
{{- $_ := set $cfg "connectors" $g.connectors -}}
{{- $logs := $cfg.service.pipelines.logs -}}
{{- $_ := set $logs "exporters" (append $logs.exporters "signal_to_metrics") -}}
{{- $_ := set $cfg.service.pipelines "metrics" (dict
  "receivers" (list "signal_to_metrics")
  "processors" (list "batch/metrics" "transform/genai" "deltatocumulative")
  "exporters" (list "prometheus")) -}}
{{- end -}}
{{- end -}}

{{/* Environment of the GenAI label allow-lists (config/metrics.yaml reads them). */}}
{{- define "otelcol-higress.genaiEnv" -}}
{{- if .Values.metrics.genai.enabled }}
{{- with .Values.metrics.genai.models }}
- name: METRICS_MODELS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.metrics.genai.tools }}
- name: METRICS_TOOLS
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}
