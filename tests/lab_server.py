"""A real `jupyter lab` server for the browser tests (the student's and the instructor's), and
the one wrong notebook they share: VTDF totals given as percentages."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import seconds

from autograder import notebooks
from autograder.synthetic import with_answer

TOKEN = "paradox-test"
LAB_CONFIG = """\
c.ServerApp.open_browser = False
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.allow_root = True           # CI runs as root
c.LabApp.expose_app_in_browser = True   # window.jupyterapp, to run commands as the menus do
c.LabApp.news_url = None                # no announcement fetches in a test
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
"""


def percent_slip(nb):
    """`nb` with the VTDF totals as percentages (100x too large): a common slip."""
    code = nb.cells[notebooks.find(nb, "q3_totals")].source
    return with_answer(nb, "q3_totals", code + "\ntotals = totals * 100")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(tmp: Path, cwd: Path, env: dict[str, str], *args: str) -> Iterator[str]:
    """`jupyter lab` in `cwd` with its own HOME, config and runtime folders under `tmp` (plus
    `env`); yields its URL once it answers, and stops it afterwards. Its log is tmp/lab.log."""
    (tmp / "lab_config.py").write_text(LAB_CONFIG)
    port = _free_port()
    env = {**os.environ, "HOME": str(tmp), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"), **env}
    log_path = tmp / "lab.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", f"--config={tmp / 'lab_config.py'}",
             f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}", *args],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(server, url, log_path)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + seconds(60)
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"jupyter lab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
