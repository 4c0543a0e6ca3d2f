{{/* Names and labels. */}}
{{- define "eldo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eldo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "eldo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eldo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "eldo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "eldo.selectorLabels" . }}
app.kubernetes.io/version: {{ include "eldo.imageTag" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: eldo
{{- end -}}

{{/* Labels of one component: (dict "root" $ "component" "web"). */}}
{{- define "eldo.componentLabels" -}}
{{ include "eldo.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "eldo.componentSelector" -}}
{{ include "eldo.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The application image: by digest when given, else by tag (default: appVersion). */}}
{{- define "eldo.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "eldo.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "eldo.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{/* The first public host: the Host header of the probes and the SITE_URL. */}}
{{- define "eldo.primaryHost" -}}
{{- required "hosts: give at least one public host name" (first .Values.hosts) -}}
{{- end -}}

{{/* Settings every Eldo process gets, derived from the hosts, then values.config. */}}
{{- define "eldo.commonConfig" -}}
{{- $origins := list -}}
{{- range .Values.hosts }}{{ $origins = append $origins (printf "https://%s" .) }}{{ end -}}
{{- $derived := dict
  "DJANGO_ALLOWED_HOSTS" (join "," .Values.hosts)
  "DJANGO_CSRF_TRUSTED_ORIGINS" (join "," $origins)
  "SITE_URL" (printf "https://%s" (include "eldo.primaryHost" .))
-}}
{{- with .Values.objectStorage }}
{{- if .enabled }}
{{- $_ := set $derived "MEDIA_STORAGE" "s3" }}
{{- $_ := set $derived "MEDIA_S3_BUCKET" (required "objectStorage.bucket: the public uploads' bucket" .bucket) }}
{{- $_ := set $derived "MEDIA_S3_PRIVATE_BUCKET" (required "objectStorage.privateBucket: the staff documents' bucket" .privateBucket) }}
{{- $_ := set $derived "MEDIA_S3_REGION" .region }}
{{- $_ := set $derived "MEDIA_S3_ENDPOINT_URL" .endpoint }}
{{- end }}
{{- end -}}
{{- toYaml (merge (deepCopy .Values.config) $derived) -}}
{{- end -}}

{{/* One component's ConfigMap data: (dict "root" $ "component" "web"). */}}
{{- define "eldo.componentConfig" -}}
{{- $values := index .root.Values .component -}}
{{- $common := include "eldo.commonConfig" .root | fromYaml -}}
{{- $data := mergeOverwrite $common (deepCopy ($values.config | default dict)) -}}
{{- range $key, $value := $data }}
{{ $key }}: {{ $value | toString | quote }}
{{- end -}}
{{- end -}}

{{- define "eldo.configMapName" -}}
{{- printf "%s-%s" (include "eldo.fullname" .root) .component -}}
{{- end -}}

{{/* Pod-level hardening shared by every pod of the chart. The media server only reads
     the uploads: no fsGroup, or the kubelet would re-own the volume the web pods write. */}}
{{- define "eldo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid | default 10001 }}
runAsGroup: {{ .uid | default 10001 }}
{{- if not .readOnlyVolumes }}
fsGroup: {{ .uid | default 10001 }}
fsGroupChangePolicy: OnRootMismatch
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "eldo.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* An Eldo container's environment: its component's ConfigMap, then the Secret. */}}
{{- define "eldo.envFrom" -}}
- configMapRef:
    name: {{ include "eldo.configMapName" . }}
- secretRef:
    name: {{ required "secrets.existingSecret: name the Secret holding DJANGO_SECRET_KEY, DATABASE_URL and REDIS_URL" .root.Values.secrets.existingSecret }}
{{- end -}}

{{/* The probe's Host header: Django validates it against DJANGO_ALLOWED_HOSTS. */}}
{{- define "eldo.probeHeaders" -}}
httpHeaders:
  - name: Host
    value: {{ include "eldo.primaryHost" . | quote }}
{{- end -}}

{{/* Pod annotations: the config checksum rolls the pods when their ConfigMap changes. */}}
{{- define "eldo.podAnnotations" -}}
checksum/config: {{ include "eldo.componentConfig" . | sha256sum }}
{{- with .root.Values.podAnnotations }}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{- define "eldo.mediaClaimName" -}}
{{- .Values.media.persistence.existingClaim | default (printf "%s-media" (include "eldo.fullname" .)) -}}
{{- end -}}

{{- define "eldo.privateClaimName" -}}
{{- .Values.privateDocuments.persistence.existingClaim | default (printf "%s-private" (include "eldo.fullname" .)) -}}
{{- end -}}

{{/* The volumes of an Eldo pod: /tmp (the only writable place on the root filesystem),
     the uploads, and the staff-only documents (never mounted by the media server). */}}
{{- define "eldo.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{ include "eldo.dataVolumes" . }}
{{- end -}}

{{/* The uploads and the staff documents, on volumes when not on object storage. */}}
{{- define "eldo.dataVolumes" -}}
{{- if not .Values.objectStorage.enabled }}
- name: media
{{- if .Values.media.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "eldo.mediaClaimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: private
{{- if .Values.privateDocuments.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "eldo.privateClaimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}
{{- end -}}

{{- define "eldo.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{ include "eldo.dataVolumeMounts" . }}
{{- end -}}

{{- define "eldo.dataVolumeMounts" -}}
{{- if not .Values.objectStorage.enabled }}
- name: media
  mountPath: /data/media
- name: private
  mountPath: /data/private
{{- end }}
{{- end -}}

{{- define "eldo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "eldo.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* The media server's nginx configuration: the bucket (objectStorage) or the volume. */}}
{{- define "eldo.mediaNginxConf" -}}
{{- if .Values.objectStorage.enabled -}}
{{- $o := .Values.objectStorage -}}
{{- $origin := printf "https://%s.s3.%s.amazonaws.com" (required "objectStorage.bucket" $o.bucket) (required "objectStorage.region" $o.region) -}}
{{- $prefix := "" -}}
{{- if $o.endpoint -}}
{{- $url := urlParse $o.endpoint -}}
{{- $origin = printf "%s://%s" $url.scheme $url.host -}}
{{- $prefix = printf "/%s" $o.bucket -}}
{{- end -}}
{{- .Files.Get "files/media-nginx-s3.conf" | replace "@RESOLVER@" .Values.media.resolver | replace "@ORIGIN@" $origin | replace "@PREFIX@" $prefix | replace "@HOST@" (urlParse $origin).host -}}
{{- else -}}
{{- .Files.Get "files/media-nginx.conf" -}}
{{- end -}}
{{- end -}}

{{/* The values of one Eldo process for the workload library (deploy/helm/workload), the
     templates every Eldo service renders its Deployment with: (dict "root" $ "component"
     "web"). What differs per process (probes, ports, volumes) is merged by its template. */}}
{{- define "eldo.workload" -}}
{{- $root := .root -}}
{{- $values := index $root.Values .component -}}
nameOverride: {{ include "eldo.name" $root }}
fullnameOverride: {{ include "eldo.fullname" $root }}-{{ .component }}
component: {{ .component }}
partOf: eldo
image:
  {{- toYaml $root.Values.image | nindent 2 }}
imagePullSecrets:
  {{- toYaml $root.Values.imagePullSecrets | nindent 2 }}
args: [{{ .component | quote }}]
replicas: {{ $values.replicas | default 1 }}
config:
  {{- include "eldo.componentConfig" . | nindent 2 }}
existingSecret: {{ required "secrets.existingSecret: name the Secret holding DJANGO_SECRET_KEY, DATABASE_URL and REDIS_URL" $root.Values.secrets.existingSecret }}
terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds | default 30 }}
resources:
  {{- toYaml $values.resources | nindent 2 }}
autoscaling:
  {{- toYaml ($values.autoscaling | default (dict "enabled" false)) | nindent 2 }}
  scaleDownStabilizationSeconds: 300
pdb:
  enabled: {{ hasKey $values "pdb" }}
  maxUnavailable: {{ dig "pdb" "maxUnavailable" 1 $values }}
podAnnotations:
  {{- toYaml ($root.Values.podAnnotations | default dict) | nindent 2 }}
runAsUser: 10001
fsGroup: true
tmpSizeLimit: 256Mi
serviceAccountName: ""
topologySpread: false
containerPort: null
metricsPort: null
service: {enabled: false}
env: []
probes: {startup: {}, liveness: {}, readiness: {}}
lifecycle: {}
extraVolumes: []
extraVolumeMounts: []
nodeSelector:
  {{- toYaml ($root.Values.nodeSelector | default dict) | nindent 2 }}
tolerations:
  {{- toYaml ($root.Values.tolerations | default list) | nindent 2 }}
{{- end -}}

{{/* Render one Eldo process with the workload library: its Deployment, then its HPA and
     disruption budget. ``overrides`` holds what is particular to the process. */}}
{{- define "eldo.renderWorkload" -}}
{{- $values := mergeOverwrite (include "eldo.workload" (dict "root" .root "component" .component) | fromYaml) .overrides -}}
{{- $context := dict "Values" $values "Release" .root.Release "Chart" .root.Chart -}}
{{ include "workload.deployment" $context }}
{{- $scaling := include "workload.autoscaling" $context | trim }}
{{- if $scaling }}
---
{{ $scaling }}
{{- end }}
{{- end -}}
