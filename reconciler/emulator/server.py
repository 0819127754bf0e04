"""Run the emulator with uvicorn on a real socket."""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn
import yaml

from reconciler.emulator.app import create_app
from reconciler.emulator.faults import RuleError, parse_rules


def load_faults(path: str) -> list[dict[str, Any]]:
    """Fault rules from a YAML file with a top-level `rules:` list (validated)."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    if raw is None:
        return []
    if isinstance(raw, dict) and set(raw) != {"rules"}:
        raise RuleError("the faults file must have a single top-level key 'rules'")
    rules = raw["rules"] if isinstance(raw, dict) else raw
    rules = rules or []
    if not isinstance(rules, list):
        raise RuleError("'rules' must be a list")
    parse_rules(rules)
    return rules


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 picks a free port); OSError if taken.

    Listening before the URL is printed means a client may connect as soon as it reads the line.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    family, kind, proto, _, address = infos[0]
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on such sockets (Nagle would
    # otherwise add ~40 ms to every answer)
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def serve(host: str = "127.0.0.1", port: int = 8765, db: str | None = None,
          api_key: str = "demo-api-key", faults_file: str | None = None,
          list_items: str = "light") -> None:
    """Serve until interrupted; prints the URL and API key once the port is bound."""
    faults = load_faults(faults_file) if faults_file else []
    app = create_app(db, api_key=api_key, faults=faults, list_items=list_items)
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"Polytomic emulator on http://{shown}:{bound_port} (API key: {api_key})", flush=True)
    print(f"  storage: {db or 'in memory'}; list items: {list_items}; "
          f"fault rules: {len(faults)}", flush=True)
    sys.stdout.flush()
    # proxy_headers off: the client address is the socket peer, never X-Forwarded-For and the like
    # (the /_emulator/ controls are served to loopback peers only)
    config = uvicorn.Config(app, http="h11", lifespan="on", log_level="warning", access_log=False,
                            proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])
