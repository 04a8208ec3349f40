"""The coordination group (综合协调组): triage, lead and co-unit designation, each case until it closes."""
