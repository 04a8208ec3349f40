"""访源: the petition bureau's link to the centre (petitions, 访调对接)."""
