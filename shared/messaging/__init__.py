"""AMQP delivery with nothing lost and nothing done twice: routing, outbox relay, inbox consumer, dead letters."""
