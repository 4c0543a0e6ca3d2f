{{/* Its ConfigMap: the plain settings, read with envFrom. */}}
{{- define "workload.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "workload.fullname" . }}
  labels:
    {{- include "workload.labels" . | nindent 4 }}
data:
  {{- range $key, $value := .Values.config }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}
