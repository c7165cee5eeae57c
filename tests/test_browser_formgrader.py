"""An instructor's view: `jupyter lab` started in the course folder (not from an activated venv),
nbgrader's formgrader and the Assignment List, clicked through in headless Chromium. Stock
Generate gives exactly the committed release, Release puts it in the course-local exchange, and
the Assignment List finds it without "Error fetching courses!"."""

from __future__ import annotations

import os
import sys

import pytest
from chromium import DESKTOP, watch
from conftest import REPO, copy_course, seconds
from lab_server import TOKEN, serve

from autograder.release import release_manifest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-lab")]


@pytest.fixture(scope="module")
def instructor(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instructor")
    course = copy_course(tmp / "course")
    # PATH without this Python's bin folder, as for `.venv/bin/jupyter lab` run unactivated
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p != os.path.dirname(sys.executable))
    with serve(tmp, course, {"PATH": path}) as url:
        yield url, course, tmp / "lab.log"


def _row(page, name: str):
    return page.locator("tr", has=page.locator("td.name", has_text=name))


def test_formgrader_generate_and_release_then_the_assignment_list_finds_it(chromium, instructor):
    url, course, log = instructor
    page = chromium.new_page(viewport={"width": DESKTOP, "height": 900})
    requests = watch(page)
    page.set_default_timeout(seconds(60) * 1000)
    try:
        page.goto(f"{url}/formgrader?token={TOKEN}")
        _row(page, "vtdf").locator("td.status").wait_for()
        body = page.inner_text("body")
        assert "does not exist" not in body, body[:2000]
        for name in ("vtdf", "build_vs_buy", "scenarios"):
            assert _row(page, name).count() == 1, name

        committed = release_manifest(REPO)
        _row(page, "vtdf").locator("td.assign a").click()
        page.locator("#success-modal").wait_for(timeout=seconds(180) * 1000)
        assert "Successfully created the student version of 'vtdf'" in page.inner_text("#success-modal")
        page.locator("#success-modal .modal-footer button").click()
        page.locator("#success-modal").wait_for(state="detached")
        generated = release_manifest(course)
        assert generated == committed, sorted(set(generated.items()) ^ set(committed.items()))

        _row(page, "vtdf").locator("td.release a").click()
        page.locator("#success-modal").wait_for(timeout=seconds(120) * 1000)
        assert "Successfully released 'vtdf'" in page.inner_text("#success-modal")
        assert (course / "exchange" / "platform-paradox" / "outbound" / "vtdf" / "checks.py").is_file()

        page.goto(f"{url}/lab?reset&token={TOKEN}")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell")
        page.evaluate("async () => { await window.jupyterapp.restored;"
                      " await window.jupyterapp.commands.execute('nbgrader:open-assignment-list'); }")
        listing = page.locator("#released_assignments_list")
        listing.get_by_text("vtdf").wait_for()
        text = page.inner_text("body")
        assert "Error fetching courses" not in text and "platform-paradox" in text
        assert requests.external == []
    finally:
        page.close()
    assert "alembic" not in log.read_text(), "formgrader could not find the alembic command"
