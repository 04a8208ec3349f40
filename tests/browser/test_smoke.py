"""Chromium opens a page the platform serves: proves the browser, the platform and the guards work together."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_intake_health_renders_in_chromium(platform, page, shoot):
    tab = page()
    response = tab.goto(f"{platform.http_base_url('intake')}/health")
    assert response is not None and response.ok
    shoot(tab, "smoke-intake-health")
    assert "ok" in tab.inner_text("body")
