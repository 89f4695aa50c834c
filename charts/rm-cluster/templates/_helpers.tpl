{{/* Names. The RayCluster is named by the fullname; KubeRay caps RayCluster names at 53 characters. */}}
{{- define "rm-cluster.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rm-cluster.fullname" -}}
{{- $name := "" }}
{{- if .Values.fullnameOverride }}
{{- $name = .Values.fullnameOverride }}
{{- else if contains (default .Chart.Name .Values.nameOverride) .Release.Name }}
{{- $name = .Release.Name }}
{{- else }}
{{- $name = printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) }}
{{- end }}
{{- $name = $name | trunc 53 | trimSuffix "-" }}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) }}
{{- fail (printf "RayCluster name %q is not a DNS-1035 label (lowercase letters, digits, '-', starting with a letter): choose another release name or set fullnameOverride" $name) }}
{{- end }}
{{- $name }}
{{- end }}

{{- define "rm-cluster.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rm-cluster.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rm-kit
{{- end }}

{{- define "rm-cluster.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rm-cluster.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* platform.yaml (a byte-for-byte copy of rmjob/platform.yaml), as YAML text: use with fromYaml. */}}
{{- define "rm-cluster.platform" -}}
{{- $text := .Files.Get "platform.yaml" }}
{{- if not $text }}
{{- fail "platform.yaml is missing from the chart: run `make sync` (it copies rmjob/platform.yaml)" }}
{{- end }}
{{- $text }}
{{- end }}

{{/* The worker node shape: the selected preset with the per-field overrides applied, as YAML. */}}
{{- define "rm-cluster.shape" -}}
{{- $platform := include "rm-cluster.platform" . | fromYaml }}
{{- $key := .Values.workers.nodeShape | default $platform.default_node_shape }}
{{- $preset := get $platform.node_shapes $key }}
{{- if not $preset }}
{{- fail (printf "workers.nodeShape %q is not a node shape in platform.yaml; choose one of: %s" $key (keys $platform.node_shapes | sortAlpha | join ", ")) }}
{{- end }}
{{- $o := .Values.workers.shape }}
key: {{ $key }}
instance: {{ $preset.instance }}
product: {{ $o.product | default $preset.product }}
gpus: {{ $o.gpus | default $preset.gpus | int }}
cpu: {{ $o.cpu | default $preset.worker.cpu | quote }}
memory: {{ $o.memory | default $preset.worker.memory | quote }}
{{- end }}

{{- define "rm-cluster.image" -}}
{{- $platform := include "rm-cluster.platform" . | fromYaml }}
{{- printf "%s:%s" (.Values.image.repository | default $platform.images.trainer) (.Values.image.tag | default $platform.images.tag) }}
{{- end }}

{{- define "rm-cluster.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rm-cluster.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rm-cluster.claimName" -}}
{{- $volume := get .root.Values.storage .volume }}
{{- $volume.existingClaim | default (printf "%s-%s" (include "rm-cluster.fullname" .root) .volume) }}
{{- end }}

{{/* Environment shared by head and workers: secrets by reference only, caches on the model volume, NCCL. */}}
{{- define "rm-cluster.env" -}}
{{- $platform := include "rm-cluster.platform" . | fromYaml }}
{{- $secret := .Values.secrets.name | default $platform.secrets.name }}
{{- range $platform.secrets.keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
      optional: {{ $.Values.secrets.optional }}
{{- end }}
- name: HF_HOME
  value: {{ printf "%s/huggingface" $platform.paths.models }}
{{- /* The Ray pod defaults (platform.yaml ray_pods.env), with the nccl values applied. */}}
{{- range $platform.ray_pods.env }}
{{- $value := .value }}
{{- if and (eq .name "NCCL_DEBUG") $.Values.nccl.debug }}{{ $value = $.Values.nccl.debug }}{{ end }}
{{- if and (eq .name "NCCL_IB_DISABLE") $.Values.nccl.infiniband.enabled }}{{ $value = "0" }}{{ end }}
- name: {{ .name }}
  value: {{ $value | quote }}
{{- end }}
{{- with .Values.nccl.socketIfname }}
- name: NCCL_SOCKET_IFNAME
  value: {{ . | quote }}
{{- end }}
{{- if and .Values.nccl.infiniband.enabled .Values.nccl.infiniband.hca }}
- name: NCCL_IB_HCA
  value: {{ .Values.nccl.infiniband.hca | quote }}
{{- end }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "rm-cluster.volumeMounts" -}}
{{- $platform := include "rm-cluster.platform" . | fromYaml }}
{{- range list "data" "checkpoints" "models" }}
- name: {{ . }}
  mountPath: {{ get $platform.paths . }}
{{- end }}
{{- end }}

{{- define "rm-cluster.volumes" -}}
{{- range list "data" "checkpoints" "models" }}
- name: {{ . }}
  persistentVolumeClaim:
    claimName: {{ include "rm-cluster.claimName" (dict "root" $ "volume" .) }}
{{- end }}
{{- end }}

{{/* Container securityContext: platform.yaml ray_pods defaults, the securityContext value over them. */}}
{{- define "rm-cluster.securityContext" -}}
{{- $platform := include "rm-cluster.platform" . | fromYaml }}
{{- toYaml (mergeOverwrite (deepCopy $platform.ray_pods.container_security_context) (deepCopy .Values.securityContext)) }}
{{- end }}

{{/* Worker container securityContext; InfiniBand needs IPC_LOCK to pin memory for RDMA. */}}
{{- define "rm-cluster.workerSecurityContext" -}}
{{- $ctx := include "rm-cluster.securityContext" . | fromYaml }}
{{- if .Values.nccl.infiniband.enabled }}
{{- $caps := $ctx.capabilities | default dict }}
{{- $_ := set $caps "add" (concat ($caps.add | default list) (list "IPC_LOCK") | uniq) }}
{{- $_ := set $ctx "capabilities" $caps }}
{{- end }}
{{- toYaml $ctx }}
{{- end }}

{{/* Pod-level fields shared by head and workers; defaults from platform.yaml ray_pods. */}}
{{- define "rm-cluster.podSpecCommon" -}}
{{- $pods := (include "rm-cluster.platform" . | fromYaml).ray_pods }}
{{- $automount := .Values.serviceAccount.automountToken }}
serviceAccountName: {{ include "rm-cluster.serviceAccountName" . }}
automountServiceAccountToken: {{ kindIs "invalid" $automount | ternary $pods.automount_service_account_token $automount }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml (mergeOverwrite (deepCopy $pods.pod_security_context) (deepCopy .Values.podSecurityContext)) | nindent 2 }}
volumes:
  {{- include "rm-cluster.volumes" . | trim | nindent 2 }}
{{- end }}

{{/* A Kubernetes quantity (cpu or memory) as a float64 in base units (cores, bytes), for quota sums. */}}
{{- define "rm-cluster.quantityValue" -}}
{{- $q := toString . }}
{{- $number := regexFind "^[0-9.]+" $q }}
{{- $suffix := trimPrefix $number $q }}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 }}
{{- if not (hasKey $factors $suffix) }}
{{- fail (printf "quantity %q: unsupported suffix %q" $q $suffix) }}
{{- end }}
{{- mulf (float64 $number) (get $factors $suffix) }}
{{- end }}
