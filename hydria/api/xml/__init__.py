"""xml package."""
