{{/* Common labels of every object of this release. */}}
{{- define "monitoring.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: eldo
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- range $key, $value := .Values.selectorLabels }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The PromQL selector of the watched release's pods of one component. */}}
{{- define "monitoring.selector" -}}
namespace="{{ .root.Values.target.namespace }}",instance_name="{{ .root.Values.target.instance }}",component="{{ .component }}"
{{- end -}}
