"""deploy/monitoring: the alert rules and the dashboard are well-formed, and every metric they use is one the
services expose (or RabbitMQ's rabbitmq_prometheus plugin, or Prometheus itself)."""

import json
import re
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.coordinator.metrics import CasesByStatus
from services.supervision.metrics import ReferralsByDeadline, ReportRecountBacklog, unit_names
from shared.contracts.messages import REJECTED_SCHEMA, CaseRegistered
from shared.runtime.metrics import DatabaseGauges, OutboxBacklog, ReadinessGauge, ServiceMetrics
from shared.runtime.readiness import Readiness

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
CONFIG = Path(__file__).resolve().parents[2] / "config"
ALERTS = MONITORING / "alerts.yaml"
DASHBOARD = MONITORING / "dashboard.json"
# Not ours: Prometheus' own `up`, and the queue depths from RabbitMQ's plugin (/metrics/per-object).
FROM_ELSEWHERE = {"up", "rabbitmq_queue_messages_ready"}
# Gauges every replica reports whole (read from the service's shared database at scrape time), and the queue
# depths, which RabbitMQ nodes report: adding them up over the scraped processes counts them more than once.
WHOLE_FIGURES = {
    "wuyuan_outbox_unsent",
    "wuyuan_outbox_oldest_unsent_seconds",
    "wuyuan_cases",
    "wuyuan_referrals_overdue",
    "wuyuan_referrals_due_soon",
    "wuyuan_report_stale_cases",
    "rabbitmq_queue_messages_ready",
}
DURATION = re.compile(r"^\d+[smhd]$")


def alert_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    document = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in document["panels"] for target in panel["targets"]]


def selected_metrics(expr: str) -> set[str]:
    """The metric names a PromQL expression selects, read from Prometheus' grammar (raises on a syntax error)."""
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def metric_names_used() -> set[str]:
    """Every metric name the alert rules and the dashboard's queries name."""
    exprs = [rule["expr"] for rule in alert_rules()] + dashboard_exprs()
    return {name for expr in exprs for name in selected_metrics(expr)}


class Rows:
    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def fetchall(self) -> list[dict]:
        return self.rows

    def fetchone(self) -> dict:
        return self.rows[0]


class FakeConnection:
    """Answers each gauge query with rows shaped like PostgreSQL's."""

    def execute(self, sql: str, params: object = None) -> Rows:
        if "FROM outbox" in sql:
            return Rows([{"unsent": 3, "oldest": 42.5}])
        if "FROM cases" in sql:
            return Rows([{"status": "assigned", "cases": 7}, {"status": "closed", "cases": 120}])
        if "FROM watches" in sql:
            court = {"unit": "court:430426", "overdue": 2, "near": 1}
            return Rows([court, {"unit": "police:430426101", "overdue": 0, "near": 3}])
        if "FROM report_stale" in sql:
            return Rows([{"stale": 4}])
        return Rows([])

    def transaction(self) -> nullcontext:
        return nullcontext()


class InboxEntrypoint:
    """What the metrics read of an inbox handler entrypoint."""

    method_name = "on_case_registered"
    model = CaseRegistered
    expected_exceptions = (ValueError,)


def exposed_names() -> set[str]:
    """The sample names one process of each service kind writes, once each metric has been fed."""
    names: set[str] = set()
    for service, sources in (
        ("coordinator", [OutboxBacklog(), CasesByStatus()]),
        (
            "supervision",
            [
                OutboxBacklog(),
                ReferralsByDeadline(lambda: datetime(2026, 11, 23, 9, tzinfo=UTC), lambda: unit_names(CONFIG)),
                ReportRecountBacklog(),
            ],
        ),
    ):
        metrics = ServiceMetrics(service)
        metrics.observe_worker(InboxEntrypoint(), 0.01, None)
        metrics.observe_worker(InboxEntrypoint(), 0.02, (RuntimeError, RuntimeError("down"), None))  # type: ignore[arg-type]
        metrics.count_dead_letter("CaseRegistered", REJECTED_SCHEMA)
        metrics.registry.register(DatabaseGauges(service, lambda: nullcontext(FakeConnection()), sources))
        metrics.registry.register(ReadinessGauge(service, lambda: Readiness({"database": lambda: None})))
        text = metrics.exposition()[0].decode()
        for family in text_string_to_metric_families(text):
            names.add(family.name)
            names.update(sample.name for sample in family.samples)
    return names


def test_every_rule_has_a_name_an_expression_a_severity_and_a_summary():
    rules = alert_rules()
    assert len(rules) >= 8
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "alert names repeat"
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert isinstance(rule["expr"], str) and rule["expr"].strip(), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        if "for" in rule:
            assert DURATION.match(rule["for"]), rule["alert"]


def test_the_rules_cover_what_operators_were_promised():
    used_by_alert = {rule["alert"]: selected_metrics(rule["expr"]) for rule in alert_rules()}
    watched = set().union(*used_by_alert.values())
    assert {
        "up",  # service down
        "wuyuan_ready",  # not ready: database or broker
        "wuyuan_outbox_oldest_unsent_seconds",
        "wuyuan_dead_letters_total",
        "wuyuan_referrals_overdue",
        "wuyuan_handler_errors_total",
        "rabbitmq_queue_messages_ready",
    } <= watched


def test_the_dashboard_is_grafana_json_with_unique_panels_each_with_a_query():
    document = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert document["title"] and document["uid"]
    ids = [panel["id"] for panel in document["panels"]]
    assert len(ids) == len(set(ids))
    for panel in document["panels"]:
        assert panel["targets"] and all(target["expr"].strip() for target in panel["targets"]), panel["title"]


def test_every_rule_and_panel_query_is_promql_as_prometheus_reads_it():
    for expr in [rule["expr"] for rule in alert_rules()] + dashboard_exprs():
        assert selected_metrics(expr), expr  # parses, and selects at least one series


def test_the_promql_check_would_catch_a_query_prometheus_refuses():
    for broken in ("sum by (unit (wuyuan_referrals_overdue)", "rate(wuyuan_dead_letters_total)", "wuyuan_ready ==="):
        with pytest.raises(ValueError):
            selected_metrics(broken)


def test_every_metric_the_rules_and_dashboard_use_is_exposed():
    missing = metric_names_used() - exposed_names() - FROM_ELSEWHERE
    assert missing == set()


def test_the_name_check_would_catch_a_misspelt_metric():
    assert "wuyuan_outbox_unsend" not in exposed_names()
    assert "wuyuan_outbox_unsent" in exposed_names()


def metric_of(node: promql_parser.Expr) -> set[str]:
    return {node.name} if isinstance(node, promql_parser.VectorSelector) and node.name else set()


def summed_metrics(expr: str) -> set[str]:
    """The metrics a `sum` aggregation in the expression adds up."""
    summed: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.AggregateExpr) and str(node.op) == "sum":
            promql_parser.walk(node, lambda inner: summed.update(metric_of(inner)))

    promql_parser.walk(promql_parser.parse(expr), visit)
    return summed


def test_no_rule_or_panel_adds_up_a_figure_each_replica_reports_whole():
    exprs = [rule["expr"] for rule in alert_rules()] + dashboard_exprs()
    assert {expr: summed_metrics(expr) & WHOLE_FIGURES for expr in exprs} == {expr: set() for expr in exprs}
    assert summed_metrics("sum by (unit) (wuyuan_referrals_overdue)") == {"wuyuan_referrals_overdue"}  # the check works


def test_the_deadline_gauges_name_each_unit_in_chinese_beside_its_code():
    gauges = ReferralsByDeadline(lambda: datetime(2026, 11, 23, 9, tzinfo=UTC), lambda: unit_names(CONFIG))
    families = {family.name: family for family in gauges(FakeConnection(), "supervision")}  # type: ignore[arg-type]
    overdue = {(s.labels["unit"], s.labels["unit_name"]): s.value for s in families["wuyuan_referrals_overdue"].samples}
    near = {(s.labels["unit"], s.labels["unit_name"]): s.value for s in families["wuyuan_referrals_due_soon"].samples}
    assert overdue == {("court:430426", "祁东县人民法院"): 2, ("police:430426101", "砖塘镇派出所"): 0}
    assert near == {("court:430426", "祁东县人民法院"): 1, ("police:430426101", "砖塘镇派出所"): 3}


def annotation_labels(rule: dict) -> set[str]:
    text = " ".join(str(value) for value in rule["annotations"].values())
    return set(re.findall(r"\$labels\.(\w+)", text))


def test_the_centres_alerts_speak_chinese_and_name_units_by_name():
    rules = {rule["alert"]: rule for rule in alert_rules()}
    overdue = rules["WuyuanReferralsOverdueRising"]
    assert "unit_name" in annotation_labels(overdue)
    # Every label the annotations print survives the expression's grouping on both sides of the subtraction.
    assert overdue["expr"].count("by (unit, unit_name)") == 2, overdue["expr"]
    for name in ("WuyuanReferralsOverdueRising", "WuyuanCasesAwaitingTriage"):
        assert re.search(r"[\u4e00-\u9fff]", rules[name]["annotations"]["summary"]), name
    panel_legends = [
        target.get("legendFormat", "")
        for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
        for target in panel["targets"]
        if "wuyuan_referrals_" in target["expr"]
    ]
    assert panel_legends and all("{{unit_name}}" in legend for legend in panel_legends), panel_legends
