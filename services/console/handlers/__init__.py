"""The console's page handlers, one module per group of people it serves."""
