"""``python -m core.llama_server build|model|status|stop``: setup steps for Makefile/CI."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from core.errors import InputError, ModelError
from core.llama_server.build import binary_path, binary_state, ensure_binary
from core.llama_server.models import ensure_model, model_alias, model_state
from core.llama_server.process import LlamaServer, stop_recorded_server
from core.settings import Settings


def _main(argv: list[str] | None = None) -> int:
    """``python -m core.llama_server build|model|status|stop``: setup steps for Makefile/CI."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m core.llama_server", description=_main.__doc__)
    p.add_argument("action", choices=["build", "model", "status", "stop"])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--sdist", type=Path, default=None, help="a local llama-cpp-python sdist instead of pip download")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    s = Settings()
    try:
        if a.action == "build":
            print(ensure_binary(s, jobs=a.jobs, sdist=a.sdist))
        elif a.action == "model":
            print(ensure_model(s))
        elif a.action == "status":
            print(f"llama-server binary: {binary_state(s)} ({binary_path(s)})")
            print(f"model {model_alias(s)}: {model_state(s)}")
            srv = LlamaServer(s)
            print(f"server on port {s.local_server.port}: {'running, ' + str(srv.served_model()) if srv.healthy() else 'not running'}")
        else:
            print("stopped" if stop_recorded_server(s) else "no server recorded in this data dir")
    except (ModelError, InputError) as e:
        print(f"error: {e}" + (f"\nhint: {e.hint}" if e.hint else ""), file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(_main())
