"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright (its own
browser download is not available here), axe-core fetched from the npm registry at test time,
and a record of every request a page makes that leaves the machine."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Pinned: a new axe release adds rules, and a page should not fail CI because npm moved on.
AXE_VERSION = "4.14.1"
AXE_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
AXE_SHA512 = "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
BLOCKING = ("serious", "critical")  # axe impacts that fail a test
PHONE, DESKTOP = 390, 1280
LOCAL = ("file:", "data:", "blob:", "about:", "http://127.0.0.1", "ws://127.0.0.1")


def missing(what: str) -> None:
    """Skip on a laptop without the part; fail in CI, where .ci/run installs it."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI installs it: see .ci/run)")
    pytest.skip(what)


def executable() -> str:
    path = os.environ.get("PARADOX_CHROMIUM") or shutil.which("chromium")
    if not path:
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return str(path)


def axe_source(cache: Path) -> str:
    """axe.min.js from the npm tarball, checked against its published sha512."""
    target = cache / f"axe-core-{AXE_VERSION}.min.js"
    if not target.is_file():
        try:
            with urllib.request.urlopen(AXE_URL, timeout=60) as response:
                tarball = response.read()
        except OSError as exc:
            missing(f"cannot fetch axe-core from the npm registry: {exc}")
        digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
        assert digest == AXE_SHA512, f"{AXE_URL}: sha512 differs from the pinned one"
        with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            cache.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    return target.read_text(encoding="utf-8")


@dataclass
class Requests:
    """What a page asked for: everything, and what would have left the machine (blocked)."""
    seen: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


def watch(page) -> Requests:
    """Block and record every request that is not local, so a test can assert there were none."""
    log = Requests()

    def route(r):
        url = r.request.url
        log.seen.append(url)
        if url.startswith(LOCAL) or url.startswith("http://localhost"):
            r.continue_()
        else:
            log.external.append(url)
            r.abort()

    page.route("**/*", route)
    return log


def axe_violations(page, axe_js: str) -> list[str]:
    """Serious and critical axe-core violations on the loaded page, one line each."""
    page.add_script_tag(content=axe_js)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s), first "
            f"{v['nodes'][0]['target']}: {v['nodes'][0].get('failureSummary', '')[:200]}"
            for v in result["violations"] if v["impact"] in BLOCKING]


def overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module, closed after it: Playwright's sync API holds an asyncio loop
    open in this thread while it runs, and nbclient (asyncio.run) cannot start a kernel beside it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = executable()
    with sync_api.sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's own sandbox refuses to start.
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_js(tmp_path_factory) -> str:
    cache = Path(os.environ.get("PARADOX_CACHE", Path.home() / ".cache" / "platform-paradox"))
    try:
        return axe_source(cache)
    except PermissionError:
        return axe_source(tmp_path_factory.mktemp("axe"))
