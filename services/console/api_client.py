"""One Idempotency-Key per user action: drawn with the form, carried in a hidden field, sent with the form's change.

A double click, a browser that sends the form again, or a staff member who resubmits after a
timeout all post the same hidden `action_key`; each call the action makes to a service carries
a key made from it and the call's method and path, so the service makes the change once and
answers the repeat with its first answer. A call made outside a posted form gets a key of its own.
"""

import hashlib
import re
import threading
import uuid

ACTION_FIELD = "action_key"
_ACTION_KEY = re.compile(r"[0-9a-f]{32}")
_current = threading.local()  # green-thread local under eventlet: one worker, one request


def new_action_key() -> str:
    """The key of one action, drawn when its form is rendered."""
    return uuid.uuid4().hex


def act_on(posted: str | None) -> None:
    """The worker's request acts under the form's key (a malformed one is ignored: the calls get fresh keys)."""
    _current.key = posted if posted and _ACTION_KEY.fullmatch(posted) else None


def key_for(method: str, path: str) -> str:
    """The Idempotency-Key of one call: the same for the same action, method and path, fresh without an action."""
    action = getattr(_current, "key", None)
    if action is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{action}\n{method.upper()}\n{path}".encode()).hexdigest()[:48]
