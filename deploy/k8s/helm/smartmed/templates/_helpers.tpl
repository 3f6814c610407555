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

{{- /*
smartmed.jwksSetting: where a pod finds the identity provider's token keys
(MED_JWT_JWKS or MED_JWT_JWKS_URL; a service refuses both at start).
global.jwt.jwksUrl, when set, replaces the JWKS Secret: the services fetch
and cache the keys and take a key rotation without a restart.  An https
URL needs global.jwt.jwksCaSecret: the images carry no CA store, and
libcurl verifies the provider against its default bundle, where
smartmed.jwksMounts puts that Secret's CA.
*/ -}}
{{- define "smartmed.jwksSetting" -}}
{{- $jwt := .Values.global.jwt -}}
{{- if $jwt.jwksUrl -}}
{{- if and (hasPrefix "https://" $jwt.jwksUrl) (not $jwt.jwksCaSecret) -}}
{{- fail "global.jwt.jwksUrl is https: set global.jwt.jwksCaSecret to a Secret holding the CA of the identity provider's certificate (the images carry no CA store)" -}}
{{- end -}}
MED_JWT_JWKS_URL: {{ $jwt.jwksUrl | quote }}
{{- else -}}
{{- if not $jwt.jwksSecret -}}
{{- fail "global.jwt: set jwksUrl (the identity provider's JWKS endpoint) or jwksSecret (a Secret with jwks.json)" -}}
{{- end -}}
MED_JWT_JWKS: /etc/smartmed/jwks/jwks.json
{{- end -}}
{{- end }}

{{- /* smartmed.jwksMounts: the volumeMounts that go with smartmed.jwksSetting. */ -}}
{{- define "smartmed.jwksMounts" -}}
{{- $jwt := .Values.global.jwt -}}
{{- if not $jwt.jwksUrl }}
- name: jwks
  mountPath: /etc/smartmed/jwks
  readOnly: true
{{- else if $jwt.jwksCaSecret }}
# libcurl's default CA bundle: /etc/ssl/certs/ca-certificates.crt.
- name: jwks-ca
  mountPath: /etc/ssl/certs
  readOnly: true
{{- end }}
{{- end }}

{{- /* smartmed.jwksVolumes: the volumes of smartmed.jwksMounts. */ -}}
{{- define "smartmed.jwksVolumes" -}}
{{- $jwt := .Values.global.jwt -}}
{{- if not $jwt.jwksUrl }}
- name: jwks
  secret:
    secretName: {{ $jwt.jwksSecret }}
    defaultMode: 288  # 0440
    items:
      - key: jwks.json
        path: jwks.json
{{- else if $jwt.jwksCaSecret }}
- name: jwks-ca
  secret:
    secretName: {{ $jwt.jwksCaSecret }}
    defaultMode: 288  # 0440
    items:
      - key: {{ $jwt.jwksCaKey }}
        path: ca-certificates.crt
{{- end }}
{{- end }}

{{- /*
smartmed.jwksEgress: a NetworkPolicy egress rule to the identity
provider's JWKS host (global.networkPolicy.jwksPeers on jwksPort), only
with global.jwt.jwksUrl.  Without peers the chart opens nothing: the pods
reach the provider only where another policy allows it.
*/ -}}
{{- define "smartmed.jwksEgress" -}}
{{- $np := .Values.global.networkPolicy -}}
{{- if and .Values.global.jwt.jwksUrl $np.jwksPeers }}
# The identity provider's JWKS endpoint (global.jwt.jwksUrl).
- to:
    {{- toYaml $np.jwksPeers | nindent 4 }}
  ports:
    - port: {{ $np.jwksPort }}
      protocol: TCP
{{- end }}
{{- end }}
