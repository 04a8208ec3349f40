"""Every kind of line any agency writes to a referral's log has a Chinese label for the officers' console."""

import ast
from pathlib import Path

from shared.wording import REFERRAL_LOG_KINDS

ROOT = Path(__file__).parents[3]


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kinds_in(tree: ast.AST) -> set[str]:
    """The literal kinds a module logs on referrals: `….store.log(id, "kind", …)` (and the store's own
    `self.log`), the officer's action named to `acting_on`, the letter named to `handle_letter`, and a kind
    chosen by assignment (`kind, … = "…", …`)."""
    kinds: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "log":
            owner = node.func.value
            on_store = (isinstance(owner, ast.Attribute) and owner.attr == "store") or (
                isinstance(owner, ast.Name) and owner.id == "self"
            )
            if on_store and len(node.args) > 1 and (kind := _text(node.args[1])):
                kinds.add(kind)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            at = {"acting_on": 4, "handle_letter": 1}.get(name)
            if at is not None and len(node.args) > at and (kind := _text(node.args[at])):
                kinds.add(kind)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                kinds |= {v for t, e in pairs if isinstance(t, ast.Name) and t.id == "kind" and (v := _text(e))}
    return kinds


def logged_kinds() -> set[str]:
    files = [*(ROOT / "shared" / "agency").glob("*.py"), *(ROOT / "services").glob("*/**/*.py")]
    return set().union(*(_kinds_in(ast.parse(path.read_text(encoding="utf-8"))) for path in files))


def test_the_scan_finds_the_kinds_of_the_base_and_of_justice():
    assert {"received", "accepted", "result", "overdue_notice_superior", "withdrawn", "rejected"} <= logged_kinds()
    assert {"mediation_assigned", "mediation_session", "legal_aid"} <= logged_kinds()


def test_every_kind_an_agency_logs_on_a_referral_reads_in_chinese():
    assert sorted(logged_kinds() - REFERRAL_LOG_KINDS.keys()) == []
    assert all(any("\u4e00" <= c <= "\u9fff" for c in text) for text in REFERRAL_LOG_KINDS.values())
