"""Hydria: a self-hosted object store that speaks Amazon S3's REST API."""

__version__ = "0.1.0"
