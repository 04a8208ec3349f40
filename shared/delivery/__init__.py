"""Nothing lost, nothing done twice: the inbox and outbox tables, their SQL, and the relay that empties the outbox."""
