"""Test-wide set-up: eventlet must patch the standard library before anything imports it."""

import eventlet

eventlet.monkey_patch()

import shared.persistence.green  # noqa: E402,F401  (psycopg's green wait, as in the services)
