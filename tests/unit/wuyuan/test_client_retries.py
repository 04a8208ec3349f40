"""The platform client sends every change with an Idempotency-Key and retries it with the same key."""

import pytest
import requests

from shared.persistence.idempotency import KEY_HEADER
from wuyuan.client import PlatformClient, PlatformError
from wuyuan.settings import PlatformSettings


class Answer:
    def __init__(self, status: int, body: object, retry_after: str = "0.1") -> None:
        self.status_code = status
        self._body = body
        self.headers = {"Retry-After": retry_after}
        self.text = str(body)

    def json(self) -> object:
        return self._body


class FakeHttp:
    """Answers in turn with the given answers (an exception is raised); records each request's headers."""

    def __init__(self, *answers: Answer | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, str]]] = []

    def request(self, method, url, json=None, headers=None, timeout=None):
        self.sent.append((method, dict(headers or {})))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def client(monkeypatch, tmp_path):
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path))
    monkeypatch.setattr("wuyuan.client.time.sleep", lambda seconds: None)

    def answering(*answers: Answer | Exception) -> tuple[PlatformClient, FakeHttp]:
        users = ("demo.window", "demo.coordinator", "demo.court")
        platform = PlatformClient(PlatformSettings(), accounts=dict.fromkeys(users, "unused"))
        platform.tokens.update(dict.fromkeys(users, "a-token"))
        platform.http = FakeHttp(*answers)  # type: ignore[assignment]
        return platform, platform.http  # type: ignore[return-value]

    return answering


def keys_sent(http: FakeHttp) -> list[str | None]:
    return [headers.get(KEY_HEADER) for _, headers in http.sent]


def test_a_change_lost_on_the_way_and_put_off_is_sent_again_with_its_one_key(client):
    platform, http = client(
        requests.ConnectionError("reset"),
        Answer(503, {"error": "unavailable"}),
        Answer(409, {"error": "in_progress"}),
        Answer(201, {"case_id": "430426-20261204-00001", "linked": False}),
    )

    answer = platform.register({"summary": "宅基地纠纷"})

    assert answer["case_id"] == "430426-20261204-00001"
    keys = keys_sent(http)
    assert len(keys) == 4 and keys[0] and len(set(keys)) == 1


def test_each_change_has_a_key_of_its_own(client):
    platform, http = client(Answer(201, {"case_id": "a"}), Answer(201, {"case_id": "b"}))

    platform.register({"summary": "一"})
    platform.register({"summary": "二"})

    first, second = keys_sent(http)
    assert first and second and first != second


def test_a_refusal_is_not_retried(client):
    platform, http = client(Answer(409, {"error": "conflict", "message": "already accepted"}))

    with pytest.raises(PlatformError, match="409"):
        platform.act("court:430426", "r-1", "accept", {})
    assert len(http.sent) == 1


def test_a_read_carries_no_key_and_is_sent_once(client):
    platform, http = client(requests.ConnectionError("refused"))

    with pytest.raises(requests.ConnectionError):
        platform.case("430426-20261204-00001")
    assert keys_sent(http) == [None]


def test_a_change_still_put_off_after_the_retries_says_so(client):
    platform, http = client(*[Answer(503, {"error": "unavailable"})] * 5)

    with pytest.raises(PlatformError, match="503"):
        platform.register({"summary": "宅基地纠纷"})
    assert len(http.sent) == platform.retries + 1


def test_a_referral_that_never_arrives_is_said_naming_the_unit_not_its_code(monkeypatch):
    client = PlatformClient(PlatformSettings())

    def not_yet(unit, referral_id):
        raise PlatformError("not found", status=404)

    monkeypatch.setattr(client, "referral", not_yet)

    with pytest.raises(TimeoutError) as late:
        client.wait_for_referral("justice:430426101", "r-1", timeout=0.05)

    assert "没有到达砖塘镇司法所" in str(late.value) and "justice:" not in str(late.value)


def test_a_case_that_never_reaches_a_status_names_both_statuses_in_chinese(monkeypatch):
    client = PlatformClient(PlatformSettings())
    monkeypatch.setattr(client, "case", lambda case_id: {"status": "assigned"})

    with pytest.raises(TimeoutError) as late:
        client.wait_for_status("430426-20261204-00003", "closed", timeout=0.05)

    assert "未达到“状态 已结案”；最后看到的状态：已派单" in str(late.value)
