"""The petition bureau's pure logic: the register (model), the statutory terms, decisions, persons and figures."""
