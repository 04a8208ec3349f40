"""Draw a case's spans as a tree across services, from the local span files."""

from datetime import datetime
from pathlib import Path
from typing import Any

from shared.telemetry.file_exporter import read_spans
from shared.telemetry.propagation import CASE_ID_KEY, REFUSAL_REASON_KEY
from shared.workdays import CHINA_TZ

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
    """One line a span, under its parent: the service and span name, when it began (Beijing time, the date with
    the first line and whenever it changes), how long after the first span, how long it took, and a mark for a
    failure or a refusal."""
    by_id = {span["span_id"]: span for span in spans}
    children: dict[str | None, list[SpanRecord]] = {}
    for span in spans:
        parent = span["parent_span_id"] if span["parent_span_id"] in by_id else None
        children.setdefault(parent, []).append(span)
    for siblings in children.values():
        siblings.sort(key=lambda s: s["start_ns"] or 0)
    start = min((s["start_ns"] or 0 for s in spans), default=0)
    lines: list[str] = []
    shown_day: list[str] = []

    def walk(span: SpanRecord, prefix: str, last: bool) -> None:
        branch = "└─ " if last else "├─ "
        began = span["start_ns"] or 0
        took = ((span["end_ns"] or 0) - began) / 1e6
        at = datetime.fromtimestamp(began / 1e9, CHINA_TZ)
        day = at.strftime("%Y-%m-%d")
        clock = at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
        if not shown_day or shown_day[-1] != day:
            clock, shown_day[:] = f"{day} {clock}", [day]
        timing = f"{clock}，+{_elapsed((began - start) / 1e6)}，耗时 {_elapsed(took)}"
        lines.append(f"{prefix}{branch}{span['service']}: {span['name']}  （{timing}）{_mark(span)}")
        kids = children.get(span["span_id"], [])
        for index, child in enumerate(kids):
            walk(child, prefix + ("   " if last else "│  "), index == len(kids) - 1)

    roots = children.get(None, [])
    for index, root in enumerate(roots):
        walk(root, "", index == len(roots) - 1)
    return lines


def _mark(span: SpanRecord) -> str:
    """A span that failed, or whose handler refused its message (a dead letter with its reason code)."""
    if span["status"] == "ERROR":
        return "  [出错]"
    refusal = span["attributes"].get(REFUSAL_REASON_KEY)
    return f"  [拒收：{refusal}]" if refusal else ""


def _elapsed(ms: float) -> str:
    """A span's duration or distance from the first, in the unit it reads best in: a case's trace spans days."""
    if ms < 1000:
        return f"{ms:.1f} 毫秒" if ms < 10 else f"{ms:.0f} 毫秒"
    if ms < 120_000:
        return f"{ms / 1000:.1f} 秒"
    if ms < 7_200_000:
        return f"{ms / 60_000:.0f} 分钟"
    if ms < 172_800_000:
        return f"{ms / 3_600_000:.1f} 小时"
    return f"{ms / 86_400_000:.1f} 天"
