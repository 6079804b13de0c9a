"""The home page after login: the open rounds and the members' response status."""
