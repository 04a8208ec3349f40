"""Traces leave the county's servers: resident ID and mobile numbers are scrubbed, case numbers and ids stay."""

import pytest
from opentelemetry.trace import StatusCode

from shared.telemetry.processors import PII_PATTERN, redact
from tests.spans import recording_provider

ZHANG_SAN_ID = "430426199005201239"
ID_ENDING_IN_X = "43042619880808107X"
ZHANG_SAN_MOBILE = "13800138000"
CASE_ID = "430426-20261122-00001"
REFERRAL_ID = "3f2b8c1e-9a4d-4c7b-8e21-5d0e7a6b4c3f"


@pytest.mark.parametrize(
    "text",
    [
        f"party id_number={ZHANG_SAN_ID}",
        f"party id_number={ID_ENDING_IN_X}",
        f"party id_number={ID_ENDING_IN_X.lower()}",
        f"张三，电话{ZHANG_SAN_MOBILE}，到中心反映",
        f'{{"phone": "{ZHANG_SAN_MOBILE}"}}',
        f"+86 {ZHANG_SAN_MOBILE}",
        # A body as JSON text (a dead letter's preview): a number typed after a line break or a tab.
        f'{{"note": "另留电话：\\n{ZHANG_SAN_MOBILE}\\t{ZHANG_SAN_ID}"}}',
        # After a character written as an escape: a full-width space in JSON, in a validation error's repr.
        f'{{"n": "\\u8054\\u7cfb\\uff1a{ZHANG_SAN_MOBILE}"}}',
        f"input_value='电话\\u3000{ZHANG_SAN_MOBILE}', \\xa0{ZHANG_SAN_ID}, \\U0001f4de{ZHANG_SAN_MOBILE}",
    ],
)
def test_id_and_mobile_numbers_are_replaced(text):
    scrubbed = redact(text)

    assert "[redacted]" in scrubbed
    assert not PII_PATTERN.search(scrubbed)
    assert ZHANG_SAN_ID not in scrubbed and ID_ENDING_IN_X.lower() not in scrubbed.lower()
    assert ZHANG_SAN_MOBILE not in scrubbed


def test_every_number_in_a_text_is_replaced_and_the_rest_is_kept():
    text = f"张三({ZHANG_SAN_ID}, {ZHANG_SAN_MOBILE}) 诉 李四(430426198511114563, 13900139000)"

    assert redact(text) == "张三([redacted], [redacted]) 诉 李四([redacted], [redacted])"


@pytest.mark.parametrize(
    "text",
    [
        f"case {CASE_ID}",
        f"referral {REFERRAL_ID}",
        "village division 430426101201",  # 12 digits, a place, not a person
        "police unit police:430426101",
        "registered 2026-11-22T09:30:00+08:00",
        "12345 hotline ticket 20261122093000",  # 14 digits: longer than a mobile, shorter than an ID
        "trace 4bf92f3577b34da6a3ce929d0e0e4736",
        "span 3f2b8c1e13912345678",  # hex ending in a mobile's digits: one longer run
        "path C:\\u30zz13912345678x",  # no whole escape before it, and letters after
    ],
)
def test_case_numbers_ids_places_and_times_are_kept(text):
    assert redact(text) == text


def test_a_mobile_inside_a_longer_digit_run_is_not_a_mobile():
    bank_reference = "6222021308001380013800"

    assert redact(bank_reference) == bank_reference


def test_a_uuid_whose_last_group_ends_in_eleven_digits_is_kept():
    referral_id = "3f2b8c1e-9a4d-4c7b-8e21-a13800138000"

    assert redact(f"referral {referral_id}") == f"referral {referral_id}"


def test_span_attributes_are_scrubbed_before_any_exporter_sees_them():
    provider, exporter = recording_provider()

    with provider.get_tracer("test").start_as_current_span("intake: register") as span:
        span.set_attribute("wuyuan.case_id", CASE_ID)
        span.set_attribute("db.params", f"('张三', '{ZHANG_SAN_ID}', '{ZHANG_SAN_MOBILE}')")
        span.set_attribute("parties", 2)
        span.set_attribute("caller", int(ZHANG_SAN_MOBILE))
        span.set_attribute("callers", [int(ZHANG_SAN_MOBILE), 7])
        span.set_attribute("filed", 20261207001)  # eleven digits, but no mobile's

    [exported] = exporter.get_finished_spans()
    assert exported.attributes["db.params"] == "('张三', '[redacted]', '[redacted]')"
    assert exported.attributes["wuyuan.case_id"] == CASE_ID
    assert exported.attributes["parties"] == 2
    assert exported.attributes["caller"] == "[redacted]"
    assert exported.attributes["callers"] == ("[redacted]", "7")
    assert exported.attributes["filed"] == 20261207001
    provider.shutdown()


def test_phone_numbers_in_span_names_and_recorded_exceptions_are_scrubbed():
    provider, exporter = recording_provider()
    tracer = provider.get_tracer("test")

    with tracer.start_as_current_span("lookup 13800138000") as span:
        span.record_exception(ValueError("no party with phone 13800138000"))
        span.set_attribute("parties", ["11010519491231002X", "赵六"])

    (finished,) = exporter.get_finished_spans()
    exported = repr((finished.name, dict(finished.attributes), [dict(e.attributes) for e in finished.events]))
    assert "13800138000" not in exported
    assert "11010519491231002X" not in exported
    assert "赵六" in exported


def test_the_broker_password_a_publish_span_names_never_reaches_an_exporter():
    provider, exporter = recording_provider()
    uri = "amqp://wuyuan.coordinator:Zq9%40tK7-w@127.0.0.1:5672/wuyuan"

    with provider.get_tracer("test").start_as_current_span("coordinator refuse message") as span:
        span.set_attribute("nameko.amqp.amqp_uri", uri)  # as nameko's instrumentation sets it on a publish
        span.record_exception(ConnectionError(f"cannot reach {uri}"))
        span.set_status(StatusCode.ERROR, f"cannot reach {uri}")

    (finished,) = exporter.get_finished_spans()
    assert finished.attributes["nameko.amqp.amqp_uri"] == "amqp://wuyuan.coordinator:***@127.0.0.1:5672/wuyuan"
    assert "Zq9" not in repr([dict(e.attributes) for e in finished.events])
    assert finished.status.description == "cannot reach amqp://wuyuan.coordinator:***@127.0.0.1:5672/wuyuan"
    provider.shutdown()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://wyb_intake:p4ss@db:5432/wyb_intake", "postgresql://wyb_intake:***@db:5432/wyb_intake"),
        ("amqp://guest@127.0.0.1/", "amqp://guest@127.0.0.1/"),  # no password: nothing to hide
        ("http://console/cases?from=2026-12-01T09:30@x", "http://console/cases?from=2026-12-01T09:30@x"),
        ("amqp://u:p@ss@host/v", "amqp://u:***@host/v"),  # an @ typed into the password
        ("http://host:8080/a?mail=x@y.z", "http://host:8080/a?mail=x@y.z"),
        ("host=db password=s3cret user=wyb", "host=db password=*** user=wyb"),  # libpq's keyword form
    ],
)
def test_only_the_password_of_a_uri_in_a_log_line_is_hidden(text, shown):
    assert redact(text) == shown


def test_numbers_in_full_width_or_grouped_are_redacted_from_logs_and_spans_too():
    text = "电话１３８００１３８０００、138.0013.8000、138 - 0013 - 8000，身份证１１０１０５１９４９１２３１００２Ｘ"
    assert redact(text) == "电话[redacted]、[redacted]、[redacted]，身份证[redacted]"


@pytest.mark.parametrize(
    "text",
    [
        f"+86{ZHANG_SAN_MOBILE}",  # as intake takes a mobile (Mobile strips +86), and as phones show it
        f"电话：0086{ZHANG_SAN_MOBILE}",
        f"电话：86{ZHANG_SAN_MOBILE}",
        f"input_value='＋８６{ZHANG_SAN_MOBILE}'",  # typed in full width
    ],
)
def test_a_mobile_written_with_the_country_code_is_redacted_as_intake_masks_it(text):
    from shared.contracts.masking import mask_free_text

    assert ZHANG_SAN_MOBILE not in mask_free_text(text)  # what intake's masking already takes
    scrubbed = redact(text)

    assert ZHANG_SAN_MOBILE not in scrubbed
    assert "[redacted]" in scrubbed


def test_a_thirteen_digit_run_that_is_no_country_code_and_mobile_is_kept():
    assert redact("order 7613800138000") == "order 7613800138000"


def test_logs_and_spans_take_the_same_groupings_of_a_mobile_as_intakes_masking():
    from shared.contracts import masking
    from shared.telemetry import processors

    assert processors.SEPARATOR == masking.SEPARATOR
    assert processors.COUNTRY == masking._COUNTRY


def test_grouped_ids_and_mobiles_spaced_as_pasted_are_redacted_and_case_numbers_kept():
    text = "430426 19850312 0023 / 430426-1985-0312-0023 / \u00a0138\u00a01234\u00a05678 / 430426-20261123-00001"
    assert redact(text) == "[redacted] / [redacted] / \u00a0[redacted] / 430426-20261123-00001"
