"""PostgreSQL access for services: a green-friendly pool, transactions, and the inbox and outbox tables."""
