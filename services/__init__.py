"""The platform's nameko services, one package each."""
