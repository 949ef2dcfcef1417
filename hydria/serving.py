"""Runs the ASGI app under uvicorn, with a drain that refuses new connections at once.

uvicorn's multi-worker supervisor keeps its copy of the listening socket open until every
worker has exited: after SIGTERM the kernel goes on accepting connections that no worker will
serve, so requests a load balancer sends meanwhile hang until the drain ends and are then cut.
``DrainingMultiprocess`` closes the supervisor's socket first, so once the workers have
stopped listening too, new connections are refused (a balancer retries them on another node
at once) while requests in flight finish within ``timeout_graceful_shutdown``.
"""

from __future__ import annotations

import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

STARTUP_FAILURE = 3
"""uvicorn's exit status when a single-process server never started."""


class DrainingMultiprocess(Multiprocess):
    """The supervisor, closing its listening socket as soon as SIGTERM arrives."""

    def handle_term(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().handle_term()


def run(config: uvicorn.Config) -> None:
    """``uvicorn.run`` for an import-string app, with the draining supervisor."""
    if config.workers > 1:
        DrainingMultiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config=config)
    config.load_app()  # fail fast, as uvicorn.run does, when the app cannot be imported
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(STARTUP_FAILURE)
