"""The inbox table: a consumer claims each message id once, in the same transaction as the message's effect."""

from shared.contracts.envelope import Envelope
from shared.delivery.statements import Statements

# The primary key (consumer, message_id): a second claim of one message violates it.
INBOX_KEY = "inbox_pkey"
CLAIM = "INSERT INTO inbox (consumer, message_id, message_type, case_id) VALUES (%s, %s, %s, %s)"


# A message id claimed before for a message of another type or case: the sender reused it (refused, not skipped).
MESSAGE_ID_REUSED = "message_id_reused"


class AlreadyHandled(Exception):
    """The message's inbox claim exists: a redelivery. The transaction is rolled back and the message acknowledged."""


def claimed_as(statements: Statements, consumer: str, message: Envelope) -> tuple[str, str | None] | None:
    """The type and case the message's id was claimed for by `consumer`, or None when no claim holds it (yet)."""
    row = statements.one(
        "SELECT message_type, case_id FROM inbox WHERE consumer = %s AND message_id = %s",
        (consumer, message.message_id),
    )
    return None if row is None else (row["message_type"], row["case_id"])


def reused_id(message: Envelope, claimed: tuple[str, str | None]) -> str | None:
    """Why a message whose id was claimed is not the message claimed under it, or None when it is the same one.

    A redelivery, or a document the centre sends again under its first id (`wuyuan reconcile`), has the type and
    case it had; an acceptance and then a decline under one id (a sender's bug) would otherwise lose the decline
    without a word. Only type and case are compared: a document sent again may differ in what it carries."""
    if claimed == (message.type, message.case_id):
        return None
    return (
        f"message id {message.message_id} was taken before for a {claimed[0]} of case {claimed[1]};"
        f" this {message.type} of case {message.case_id} needs an id of its own"
    )


def claim(statements: Statements, consumer: str, message: Envelope) -> None:
    """Record that `consumer` handles `message`.

    The write travels with the transaction's next round trip; a redelivered message's claim
    then fails on INBOX_KEY, which the transaction reports as `AlreadyHandled`.
    """
    statements.write(CLAIM, (consumer, message.message_id, message.type, message.case_id))
