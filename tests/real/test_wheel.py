"""A non-editable install works: build the wheel, install it into a fresh venv (its dependencies taken from
the project's venv, nothing downloaded) and run `minutes when` and `minutes models` outside the repository.
Catches prompts or router data left out of the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from tests.fixtures import ROOT

SOURCES = ("pyproject.toml", "README.md", "app", "core", "graph", "tools", "vectorstore", "evals", "prompts")


def test_wheel_installs_and_runs_outside_the_repo(tmp_path, models_dir):
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:  # a clean copy: no build/ or egg-info left in the working tree
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src), "-w", str(wheels)],
                   check=True, capture_output=True, text=True, timeout=300)
    wheel = next(wheels.glob("minutes-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies: the project venv's packages, appended after the fresh venv's own (its .pth files unread,
    # so the editable install of the repository is not seen)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, text=True, timeout=300)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(MINUTES_DATA_DIR=str(outside / "data"), MINUTES_MODELS_DIR=str(models_dir), NO_COLOR="1", COLUMNS="200")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=outside, env=env, capture_output=True, text=True, timeout=300)

    where = run(str(python), "-c", "import core.prompts, tools.segment_classifier as c; print(core.prompts.PROMPTS_DIR); "
                "print(c.DATASET_PATH); print(core.prompts.render('route', 'en')[:20])")
    assert where.returncode == 0, where.stderr
    prompts_dir, dataset, _ = where.stdout.splitlines()
    assert prompts_dir.startswith(str(site)) and dataset.startswith(str(site))  # the installed copy, not the repo
    assert Path(dataset).is_file()

    minutes = str(env_dir / "bin" / "minutes")
    r = run(minutes, "when", "다음 주 화요일 오후 3시", "--now", "2026-11-26T10:00:00+09:00", "--timezone", "Asia/Seoul", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["start"] == "2026-12-01T15:00:00+09:00"
    r = run(minutes, "models", "--json")
    assert r.returncode == 0, r.stderr
    assert {"asr", "router", "summarizer", "embeddings"} <= {row["stage"] for row in json.loads(r.stdout)}
