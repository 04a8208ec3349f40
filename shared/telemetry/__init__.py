"""OpenTelemetry for every hop: one trace per case, the case id on every span, spans to OTLP or a local file."""
