"""People, roles, sign-in, tokens and the city code."""
