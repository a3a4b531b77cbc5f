{{- define "chronicle.labels" -}}
app.kubernetes.io/name: chronicle
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chronicle.env" -}}
- name: CHRONICLE_HOST
  value: "0.0.0.0"
- name: CHRONICLE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: CHRONICLE_KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: CHRONICLE_S3_ENDPOINT
  value: {{ .Values.s3.endpoint | quote }}
- name: CHRONICLE_S3_BUCKET
  value: {{ .Values.s3.bucket | quote }}
- name: CHRONICLE_DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.existingSecret }}, key: CHRONICLE_DATABASE_URL }
- name: CHRONICLE_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef: { name: {{ .Values.existingSecret }}, key: CHRONICLE_S3_ACCESS_KEY }
- name: CHRONICLE_S3_SECRET_KEY
  valueFrom:
    secretKeyRef: { name: {{ .Values.existingSecret }}, key: CHRONICLE_S3_SECRET_KEY }
- name: CHRONICLE_PRINCIPAL_SECRET
  valueFrom:
    secretKeyRef: { name: {{ .Values.existingSecret }}, key: CHRONICLE_PRINCIPAL_SECRET }
{{- end }}

{{- define "chronicle.probes" -}}
livenessProbe:
  httpGet: { path: /health, port: http }
  periodSeconds: 10
readinessProbe:
  httpGet: { path: /ready, port: http }
  periodSeconds: 5
{{- end }}
