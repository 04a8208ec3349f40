"""Node loss on a three-node RabbitMQ cluster with quorum queues, as the Kubernetes manifests run it: the node
leading most queues is killed mid-flow and stays down; nothing is lost or duplicated and no service restarts."""

import pytest
import requests

from tests.chaos.checks import assert_exactly_once
from tests.chaos.private_platform import chaos_platform
from tests.chaos.run import node_loss_plan, run_faults
from wuyuan import supervise

pytestmark = pytest.mark.e2e

CASES = 150
RATE = 3.0


def test_a_lost_rabbitmq_node_loses_nothing_and_the_services_carry_on(capsys):
    with chaos_platform(nodes=3) as platform:
        settings = platform.settings
        first = platform.rabbit.nodes[0]
        queues = requests.get(
            f"http://127.0.0.1:{first.management_port}/api/queues/{settings.vhost}", auth=("guest", "guest"), timeout=10
        ).json()
        assert any(q["name"].endswith(".inbox") for q in queues), "no inbox queues"
        assert {q["type"] for q in queues} == {"quorum"}
        assert platform.rabbit.running_members(first) == {n.node for n in platform.rabbit.nodes}
        pids = {s.name: s.pid for s in supervise.status(settings)}

        report = run_faults(platform, node_loss_plan(platform), CASES, RATE)

        survivors = [n for n in platform.rabbit.nodes if n.running()]
        assert len(survivors) == 2
        assert len(platform.rabbit.running_members(survivors[0])) == 2
        assert {s.name: s.pid for s in supervise.status(platform.settings)} == pids, "a service restarted"
    with capsys.disabled():
        print("\n" + report.text())

    assert_exactly_once(report.findings, CASES)
    [fault] = report.faults
    assert fault.recovered, "no case filed and closed after the node was lost"
    assert report.workload.tally.errors == []
