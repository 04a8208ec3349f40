"""Inspection group (检查督导组): deadlines, letters to late units, the citizen's follow-up rating."""
