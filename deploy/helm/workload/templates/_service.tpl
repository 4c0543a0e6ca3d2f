{{/* Its Service, named like the workload: the gateway's routes point at it by name. */}}
{{- define "workload.service" -}}
{{- if .Values.service.enabled }}
{{- if not .Values.containerPort }}
{{- fail "workload.enabled needs containerPort" }}
{{- end }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "workload.fullname" . }}
  labels:
    {{- include "workload.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "workload.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}
{{- end -}}
