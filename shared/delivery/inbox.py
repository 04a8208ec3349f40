"""The inbox table: a consumer claims each message id once, in the same transaction as the message's effect."""

from shared.contracts.envelope import Envelope
from shared.delivery.statements import Statements

# The primary key (consumer, message_id): a second claim of one message violates it.
INBOX_KEY = "inbox_pkey"


class AlreadyHandled(Exception):
    """The message's inbox claim exists: a redelivery. The transaction is rolled back and the message acknowledged."""


def claim(statements: Statements, consumer: str, message: Envelope) -> None:
    """Record that `consumer` handles `message`.

    The write travels with the transaction's next round trip; a redelivered message's claim
    then fails on INBOX_KEY, which the transaction reports as `AlreadyHandled`.
    """
    statements.write(
        "INSERT INTO inbox (consumer, message_id, message_type, case_id) VALUES (%s, %s, %s, %s)",
        (consumer, message.message_id, message.type, message.case_id),
    )
