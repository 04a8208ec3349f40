"""Span files rotate by size, keep a bounded number of old files, and `wuyuan trace` still reads them all."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from shared.telemetry.file_exporter import JsonLinesSpanExporter, TraceFileSettings, read_spans


def write_spans(exporter: JsonLinesSpanExporter, count: int) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    for number in range(count):
        with tracer.start_as_current_span(f"span {number:04d}"):
            pass
    provider.shutdown()


def test_files_rotate_by_size_and_the_oldest_fall_off(tmp_path):
    path = tmp_path / "coordinator.jsonl"
    exporter = JsonLinesSpanExporter(path, max_bytes=2000, backups=2)
    write_spans(exporter, 200)

    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["coordinator.1.jsonl", "coordinator.2.jsonl", "coordinator.jsonl"]
    assert all(p.stat().st_size < 2000 + 1000 for p in tmp_path.iterdir())  # one batch past the limit at most
    assert (tmp_path / "coordinator.1.jsonl").stat().st_mode & 0o777 == 0o600


def test_trace_reads_the_rotated_files_too(tmp_path):
    exporter = JsonLinesSpanExporter(tmp_path / "supervision.jsonl", max_bytes=4000, backups=5)
    write_spans(exporter, 30)

    assert len(list(tmp_path.glob("supervision.*.jsonl"))) >= 1
    names = {span["name"] for span in read_spans(tmp_path)}
    assert names == {f"span {n:04d}" for n in range(30)}


def test_defaults_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WUYUAN_TRACE_FILE_MAX_BYTES", "1048576")
    monkeypatch.setenv("WUYUAN_TRACE_FILE_BACKUPS", "3")
    exporter = JsonLinesSpanExporter(tmp_path / "intake.jsonl")
    assert (exporter.max_bytes, exporter.backups) == (1048576, 3)
    assert TraceFileSettings.model_fields["max_bytes"].default == 64 * 1024 * 1024


def test_a_tiny_limit_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("WUYUAN_TRACE_FILE_MAX_BYTES", "10")
    with pytest.raises(ValueError, match="max_bytes"):
        TraceFileSettings()


def test_a_line_is_compact_json_with_chinese_kept_readable(tmp_path):
    path = tmp_path / "court_link.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(path)))
    with provider.get_tracer("test").start_as_current_span("court_link: 诉前调解受理") as span:
        span.set_attributes({"wuyuan.case_id": "430426-20260315-00042", "db.round_trips": 2, "db.time_ms": 1.25})
    provider.shutdown()

    line = path.read_text(encoding="utf-8")
    assert line.endswith("}\n") and line.count("\n") == 1
    assert '"name":"court_link: 诉前调解受理"' in line
    (read,) = read_spans(tmp_path)
    assert read["kind"] == "INTERNAL" and read["status"] == "UNSET" and read["parent_span_id"] is None
    assert read["attributes"] == {"wuyuan.case_id": "430426-20260315-00042", "db.round_trips": 2, "db.time_ms": 1.25}
    assert len(read["trace_id"]) == 32 and len(read["span_id"]) == 16
