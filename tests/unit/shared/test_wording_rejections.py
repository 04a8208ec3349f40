"""A refusal as staff and officers read it: the reason in Chinese, the code beside it, the unit by name."""

from shared.registry import load_registry
from shared.wording import REJECTION_REASONS, load_places, rejection_text, report_rejected_text


def test_each_rule_code_of_the_coordinator_reads_in_chinese():
    from services.coordinator.domain.rules import RefusalCode
    from shared.platform import SenderRefusal

    codes = {code.value for code in RefusalCode} | {code.value for code in SenderRefusal}
    assert codes <= set(REJECTION_REASONS)


def test_a_refusal_reads_as_its_reason_and_only_an_unworded_one_shows_its_code():
    assert rejection_text({"reason": "referral_closed"}) == "该交办件已结束"
    assert rejection_text({"reason": "schema"}) == "消息格式不符合约定"
    assert rejection_text({"reason": "a_new_rule"}) == "其他原因（代码 a_new_rule）"
    assert rejection_text({}) == "其他原因"


def test_the_case_timeline_names_the_unit_and_what_it_sent():
    detail = {"unit": "court:430426", "rejected_type": "ResultReported", "reason": "referral_closed"}

    text = report_rejected_text(detail, load_registry(), load_places())

    assert text.startswith("拒收") and "人民法院的反馈结果：该交办件已结束" in text
