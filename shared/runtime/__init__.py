"""Running one service process: eventlet first, then logging, tracing and the nameko container."""
