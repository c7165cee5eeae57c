"""A student's view: the release notebooks in a real JupyterLab server with the nbgrader
extension, driven through headless Chromium. Run All on a solved notebook passes every visible
check with its ✓ line, hidden-test placeholders print nothing, a percentage slip shows one line
of explanation, and the extension's Validate button says the notebook passes."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest
from chromium import DESKTOP, watch
from conftest import copy_course, seconds
from lab_server import TOKEN, percent_slip, serve

from autograder import notebooks
from autograder.assignments import ASSIGNMENTS, get
from autograder.synthetic import solved

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-lab")]
# Every cell in the DOM (JupyterLab 4 otherwise detaches cells scrolled out of view).
NOTEBOOK_SETTINGS = {"windowingMode": "none"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A student's home: each release folder with a solved notebook (and one VTDF notebook with
    a percent slip), served by `jupyter lab` with the nbgrader extension as installed."""
    tmp = tmp_path_factory.mktemp("lab")
    course = copy_course(tmp / "course")
    home = tmp / "student"
    for a in ASSIGNMENTS.values():
        shutil.copytree(course / "release" / a.name, home / a.name)
        nbformat.write(solved(course, a.name), home / a.name / a.notebook)
    nbformat.write(percent_slip(solved(course, "vtdf")), home / "vtdf" / "percent.ipynb")
    settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps(NOTEBOOK_SETTINGS))
    with serve(tmp, home, {"JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings")},
               f"--ServerApp.root_dir={home}") as url:
        yield url, home


RUN_ALL = """async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    await app.commands.execute('notebook:run-all-cells');
    // run-all resolves once its cells are scheduled: wait until none is queued or running
    for (;;) {
        const busy = panel.content.widgets.some(c => c.model.type === 'code' &&
            (c.promptNode?.textContent || '').includes('*'));
        if (!busy && panel.sessionContext.session?.kernel?.status === 'idle') break;
        await new Promise(r => setTimeout(r, 250));
    }
    await app.commands.execute('docmanager:save');
}"""


def _open(chromium, url: str, path: str):
    """A fresh workspace (no tabs restored from an earlier test) with the notebook in front."""
    page = chromium.new_page(viewport={"width": DESKTOP, "height": 900})
    requests = watch(page)
    page.set_default_timeout(seconds(60) * 1000)
    page.goto(f"{url}/lab/workspaces/{uuid.uuid4().hex}/tree/{path}?reset&token={TOKEN}")
    page.wait_for_function("p => window.jupyterapp?.shell.currentWidget?.context?.path === p", arg=path)
    return page, requests


def _open_and_run(chromium, url: str, path: str):
    page, requests = _open(chromium, url, path)
    page.evaluate(RUN_ALL)
    return page, requests


def _validate(page) -> str:
    """Click the nbgrader extension's Validate button; the result dialog's text."""
    _in_front(page, ".validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    page.wait_for_function("!document.querySelector('.jp-Dialog')?.innerText.includes('Validating')",
                           timeout=seconds(180) * 1000)
    return dialog.inner_text()


def _shot(page, name: str) -> None:
    """A screenshot for a person to look at, when PARADOX_SHOTS names a folder."""
    if os.environ.get("PARADOX_SHOTS"):
        page.screenshot(path=str(Path(os.environ["PARADOX_SHOTS"]) / f"{name}.png"))


def _in_front(page, selector: str):
    """The elements matching `selector` in the notebook on screen."""
    return page.locator(f".jp-NotebookPanel:visible {selector}")


def _outputs_text(output: dict) -> str:
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return "\n".join(output["traceback"])
    return json.dumps(output.get("data", {}))


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_run_all_on_a_solution_shows_a_tick_per_check_and_nothing_from_hidden_cells(
        chromium, lab, name):
    url, home = lab
    a = get(name)
    page, requests = _open_and_run(chromium, url, f"{name}/{a.notebook}")
    try:
        ticks = _in_front(page, ".jp-OutputArea-output").filter(has_text="✓").count()
        errors = _in_front(page, '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert errors.count() == 0, errors.first.inner_text()
        assert requests.external == [], f"JupyterLab asked the network for {requests.external}"
        _in_front(page, ".jp-OutputArea-output").filter(has_text="✓").nth(2).scroll_into_view_if_needed()
        _shot(page, f"run_all_{name}")
    finally:
        page.close()
    nb = nbformat.read(home / name / a.notebook, as_version=4)
    checks = [c for c in nb.cells if c.cell_type == "code" and "check_format(" in c.source]
    hidden = [c for c in nb.cells if c.cell_type == "code"
              and c.metadata.get("nbgrader", {}).get("grade")
              and not c.metadata["nbgrader"].get("solution") and "check_format(" not in c.source]
    assert checks and hidden
    assert ticks == len(checks), f"{ticks} ✓ lines on screen for {len(checks)} visible checks"
    for cell in checks:
        text = "".join(_outputs_text(o) for o in cell.outputs)
        assert text.startswith("✓") and text.count("\n") == 1, (notebooks.grade_id(cell), text)
    noisy = {notebooks.grade_id(c): c.outputs for c in hidden if c.outputs}
    assert noisy == {}, "hidden-test placeholders must print nothing"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


def test_a_percentage_slip_is_one_line_in_the_notebook(chromium, lab):
    """Totals 100x too large stop Run All at the Q3 check with one line saying why, not a
    traceback into checks.py."""
    url, _ = lab
    page, _ = _open_and_run(chromium, url, "vtdf/percent.ipynb")
    try:
        errors = _in_front(page, '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert errors.count() == 1
        message = errors.first.inner_text().strip()
        assert "\n" not in message, message
        assert message.startswith("✗ totals") and "0 and 1" in message, message
        assert "checks.py" not in message and "Traceback" not in message
        errors.first.scroll_into_view_if_needed()
        _shot(page, "percent_slip")
    finally:
        page.close()


@pytest.mark.parametrize("name", ["vtdf"])  # all three: test_notebook_polish's `nbgrader validate`
def test_validate_button_passes_a_solution(chromium, lab, name):
    """The nbgrader extension's Validate button on the solved notebook: 'Success!'."""
    url, _ = lab
    a = get(name)
    page, _ = _open(chromium, url, f"{name}/{a.notebook}")
    try:
        text = _validate(page)
        assert "Success! Your notebook passes all the tests." in text, text[:3000]
        assert "cannot be converted" not in text
    finally:
        page.close()


def test_validate_button_shows_the_one_line_message_for_a_slip(chromium, lab):
    """The same percentage slip under Validate: a failure naming the check, in one line."""
    url, _ = lab
    page, _ = _open(chromium, url, "vtdf/percent.ipynb")
    try:
        text = _validate(page)
        assert "Success!" not in text and "✗ totals should lie between 0 and 1" in text, text[:3000]
        assert "checks.py" not in text
        _shot(page, "validate_slip")
    finally:
        page.close()
