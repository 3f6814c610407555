{{/*
Shared helpers.  Every per-service template loops over .Values.services and
merges that entry over .Values.defaults ("smartmed.service").
*/}}

{{/* smartmed.service: the effective settings of one service, as YAML. */}}
{{- define "smartmed.service" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy .cfg)) -}}
{{- end -}}

{{/* smartmed.fullname: <release>-<service>, also the Kubernetes Service name. */}}
{{- define "smartmed.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "smartmed.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "smartmed.labels" -}}
{{ include "smartmed.selectorLabels" . }}
app.kubernetes.io/part-of: smartmed
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* smartmed.image: registry/repository-<service>:tag, -cuda on GPU. */}}
{{- define "smartmed.image" -}}
{{- $img := .root.Values.global.image -}}
{{- $tag := required "global.image.tag is required" $img.tag | toString -}}
{{- if eq $tag "latest" -}}
{{- fail "global.image.tag must not be latest: pin a version" -}}
{{- end -}}
{{- if .svc.gpu -}}
{{- $tag = printf "%s%s" $tag $img.gpuTagSuffix -}}
{{- end -}}
{{- printf "%s/%s-%s:%s" $img.registry $img.repository .name $tag -}}
{{- end -}}

{{/* smartmed.workloadKind: StatefulSet when the spool is persistent. */}}
{{- define "smartmed.workloadKind" -}}
{{- ternary "StatefulSet" "Deployment" (.Values.global.spool.persistent | default false) -}}
{{- end -}}

{{- /*
A setting's value as the quoted string a service parses.  Helm reads
values as float64 (YAML through JSON), and a float64 prints as 1.8e+06
from a million up, which a service refuses as an integer: a whole number
is printed as one; anything else as it is.
*/ -}}
{{- define "smartmed.setting" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- printf "%d" (int64 .) | quote -}}
{{- else -}}
{{- toString . | quote -}}
{{- end -}}
{{- end }}

{{- /*
smartmed.grace: a pod's terminationGracePeriodSeconds, refused when it is
shorter than the service's drain (drainMs, MED_DRAIN_MS: calls in flight
get that long after SIGTERM) plus 5 seconds for closing the audit emitter
and the database pool: the kubelet's SIGKILL would otherwise cut the drain
short.  .svc is the merged service, .name its name.
*/ -}}
{{- define "smartmed.grace" -}}
{{- $grace := int64 .svc.terminationGracePeriodSeconds -}}
{{- $drain := int64 (.svc.drainMs | default 0) -}}
{{- $need := add (div (add $drain 999) 1000) 5 -}}
{{- if lt $grace $need -}}
{{- fail (printf "%s: terminationGracePeriodSeconds %d is shorter than drainMs %d plus a 5 s margin: set it to at least %d" .name $grace $drain $need) -}}
{{- end -}}
{{- $grace -}}
{{- end }}
