"""Who is calling: roles and units, signed tokens, and their local verification in every service."""
