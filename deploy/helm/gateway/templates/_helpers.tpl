{{- define "gateway.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: eldo
{{- end -}}

{{/* The routing table, parsed from files/kong.yml (a link to deploy/kong/kong.yml). */}}
{{- define "gateway.kongTable" -}}
{{- $table := .Files.Get "files/kong.yml" | fromYaml -}}
{{- if or (not $table) (hasKey $table "Error") -}}
{{- fail (printf "files/kong.yml is missing or not YAML: %v" $table) -}}
{{- end -}}
{{- toYaml $table -}}
{{- end -}}

{{/* A KongPlugin's name: (dict "root" $ "plugin" $plugin). */}}
{{- define "gateway.pluginName" -}}
{{- $scope := .plugin.route | default .plugin.service | default "global" -}}
{{- printf "%s-%s-%s" (include "gateway.fullname" .root) $scope .plugin.name | trunc 253 -}}
{{- end -}}
