"""Benchmarks: the platform measured beside the raw broker and database, in the same run."""
