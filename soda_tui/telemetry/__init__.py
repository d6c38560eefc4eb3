"""OpenTelemetry for soda-tui: span helpers for the domain (API only), setup for the entry points.

Domain code imports `soda_tui.telemetry.spans`, `http_spans` or `agent_spans`, which use only the
OpenTelemetry API. Only the entry points import `soda_tui.telemetry.setup` (the SDK, exporters,
the recorder and the JSONL file).
"""
