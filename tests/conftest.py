"""Test-wide set-up: eventlet must patch the standard library before anything imports it.

Except in the browser tests' own process (WUYUAN_BROWSER_TESTS=1; `make test` runs it after the
main one): Playwright's sync API hangs in a monkey-patched process (stopping it never sees its
driver process exit), so tests/browser runs without eventlet and the main run leaves it out.
"""

import os

BROWSER_PROCESS = os.environ.get("WUYUAN_BROWSER_TESTS") == "1"

if not BROWSER_PROCESS:
    import eventlet

    eventlet.monkey_patch()

    from shared.persistence.green import use_green_wait

    use_green_wait()  # psycopg waits through the hub, as in the services

# A directory named on the command line is still collected; tests/browser/conftest.py refuses to run patched.
collect_ignore = [] if BROWSER_PROCESS else ["browser"]
