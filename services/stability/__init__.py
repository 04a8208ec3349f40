"""稳源: the political-legal committee's link to the centre (stability-risk leads, three-colour warning)."""
