"""blob package."""
