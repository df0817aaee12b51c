"""The `liveq` command runs numpy's BLAS on one thread unless told otherwise."""

import os
import subprocess
import sys


def _env_of_liveq(extra: dict[str, str]) -> dict[str, str]:
    code = (
        "import os, app.cli, numpy; "
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return dict(zip(("openblas", "omp"), out.stdout.split(), strict=True))


def test_one_thread_by_default():
    assert _env_of_liveq({}) == {"openblas": "1", "omp": "1"}


def test_a_setting_already_there_wins():
    assert _env_of_liveq({"OPENBLAS_NUM_THREADS": "4"})["openblas"] == "4"
