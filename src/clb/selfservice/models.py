"""Models of this room come with its issue."""
