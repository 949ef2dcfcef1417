"""Typed records and rules with no I/O."""
