"""Draw a case's spans as a tree across services, from the local span files."""

from pathlib import Path
from typing import Any

from shared.telemetry.file_exporter import read_spans
from shared.telemetry.propagation import CASE_ID_KEY

# One span as the file exporter wrote it: a decoded JSON object.
SpanRecord = dict[str, Any]


def case_spans(trace_dir: Path, case_id: str, trace_id: str | None = None) -> list[SpanRecord]:
    """Spans of the case's trace, plus spans in other traces tagged with the case (officers' requests)."""
    spans = read_spans(trace_dir)
    return [
        span
        for span in spans
        if (trace_id and span["trace_id"] == trace_id) or span["attributes"].get(CASE_ID_KEY) == case_id
    ]


def render_tree(spans: list[SpanRecord]) -> list[str]:
    by_id = {span["span_id"]: span for span in spans}
    children: dict[str | None, list[SpanRecord]] = {}
    for span in spans:
        parent = span["parent_span_id"] if span["parent_span_id"] in by_id else None
        children.setdefault(parent, []).append(span)
    for siblings in children.values():
        siblings.sort(key=lambda s: s["start_ns"] or 0)
    start = min((s["start_ns"] or 0 for s in spans), default=0)
    lines: list[str] = []

    def walk(span: SpanRecord, prefix: str, last: bool) -> None:
        branch = "└─ " if last else "├─ "
        took = ((span["end_ns"] or 0) - (span["start_ns"] or 0)) / 1e6
        offset = ((span["start_ns"] or 0) - start) / 1e6
        status = "" if span["status"] != "ERROR" else "  [error]"
        lines.append(f"{prefix}{branch}{span['service']}: {span['name']}  (+{offset:.0f} ms, {took:.1f} ms){status}")
        kids = children.get(span["span_id"], [])
        for index, child in enumerate(kids):
            walk(child, prefix + ("   " if last else "│  "), index == len(kids) - 1)

    roots = children.get(None, [])
    for index, root in enumerate(roots):
        walk(root, "", index == len(roots) - 1)
    return lines
