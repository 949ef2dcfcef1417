"""Background work run inside the server processes."""
