"""Entrypoint span attributes: the library's tags, and never the call's arguments (they carry personal data)."""

from types import SimpleNamespace

from shared.contracts.messages import CaseRegistered
from shared.messaging.consumer import InboxHandler
from shared.runtime.entrypoint_spans import ApiHandlerAdapter, InboxHandlerAdapter


class FakePool:
    def running(self) -> int:
        return 3

    def free(self) -> int:
        return 7


class Coordinator:
    def on_registered(self, message):
        return message


def worker_ctx(entrypoint_type: str) -> SimpleNamespace:
    entrypoint = InboxHandler(CaseRegistered) if entrypoint_type == "InboxHandler" else type(entrypoint_type, (), {})()
    entrypoint.method_name = "on_registered"
    entrypoint.container = SimpleNamespace(service_cls=Coordinator)
    return SimpleNamespace(
        service_name="coordinator",
        entrypoint=entrypoint,
        container=SimpleNamespace(_worker_pool=FakePool()),
        args=({"applicant_id_number": "430426199001011234"},),
        kwargs={},
        data={},
    )


def test_an_inbox_span_names_the_worker_and_message_type_and_leaves_the_message_out():
    attributes = InboxHandlerAdapter({"send_request_payloads": False}).get_attributes(worker_ctx("InboxHandler"))

    assert attributes == {
        "service_name": "coordinator",
        "entrypoint_type": "InboxHandler",
        "method_name": "on_registered",
        "active_workers": 3,
        "available_workers": 7,
        "messaging.system": "rabbitmq",
        "messaging.message.type": "CaseRegistered",
    }


def test_an_http_span_carries_the_same_worker_tags():
    attributes = ApiHandlerAdapter({"send_request_payloads": False}).get_attributes(worker_ctx("ApiHandler"))

    assert attributes["entrypoint_type"] == "ApiHandler"
    assert not any("call_args" in key for key in attributes)


def test_with_payloads_switched_on_the_library_binds_and_sends_the_arguments():
    attributes = ApiHandlerAdapter({"send_request_payloads": True}).get_attributes(worker_ctx("ApiHandler"))

    assert "430426199001011234" in attributes["call_args"]
