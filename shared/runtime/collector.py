"""Garbage-collector settings for a long-running service process."""

import gc

# Every message a service handles allocates thousands of short-lived objects (frames, dicts,
# spans); with CPython's default threshold of 700 the youngest generation is collected
# several times per message, and its survivors soon trigger scans of the older ones.
# Collected every 10,000 allocations instead, most of those objects are already gone.
YOUNG_GENERATION_THRESHOLD = 10_000
OLDER_GENERATION_THRESHOLDS = (50, 100)


def settle_after_start() -> None:
    """Exempt what start-up built (modules, classes, pools) from collection, and collect less often.

    Objects alive once the service has started live as long as the process, so scanning
    them on every full collection is wasted work; freezing them moves them out of reach.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *OLDER_GENERATION_THRESHOLDS)
