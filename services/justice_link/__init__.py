"""调源: the justice bureau's link to the centre (people's mediation, legal aid)."""
