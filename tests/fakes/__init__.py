"""In-memory stand-ins for the stores and the unit of work; each store's contract suite runs against its fake too."""
