"""诉源: the court's link to the centre (pre-litigation mediation, judicial confirmation)."""
