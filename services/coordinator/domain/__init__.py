"""The coordinator's pure logic: a case's state (model), what a change amounts to (decisions), and the rules (rules)."""
