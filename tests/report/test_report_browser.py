"""report.html in a real browser: Debian's headless Chromium driven by selenium.

For a run folder and a sweep folder: the page loads from file:// with no console error and
fetches nothing, every figure is loaded (natural width > 0) and drawn at a non-zero size, the
verdict is on the page, every image decodes, a phone-width window shows no sideways scrolling of the page itself
(wide tables scroll in their own box), the page prints to PDF, and a full-page screenshot is
written into the test's tmp folder (its path printed for the test log: `pytest -s` or -rA).

Skipped, saying why, only where Chromium or chromedriver is not installed (Debian: apt-get
install chromium chromium-driver); under CI=true that is a failure, since .ci/run installs them.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def _find(*names: str):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    chromium = _find("chromium", "chromium-browser")
    driver_path = _find("chromedriver")
    missing = [what for what, path in (("chromium", chromium), ("chromedriver", driver_path))
               if path is None]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        why = (f"{' and '.join(missing)} not installed (Debian: apt-get install chromium "
               "chromium-driver; .ci/run does this)")
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {why}")
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="linesim-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is given by path, so selenium never looks for (or downloads) one.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


IMAGES = """
return Array.from(document.images).map(function (img) {
  var r = img.getBoundingClientRect();
  return {src: img.src.slice(0, 30), complete: img.complete, natural: img.naturalWidth,
          width: r.width, height: r.height};
});
"""
DECODED = """
var done = arguments[arguments.length - 1];
Promise.all(Array.from(document.images).map(function (img) {
  return img.decode().then(function () { return true; }, function () { return false; });
})).then(done);
"""
RESOURCES = "return performance.getEntriesByType('resource').map(function (e) { return e.name; });"


def _open(browser, report: Path, width: int = 1200, height: int = 900):
    browser.set_window_size(width, height)
    browser.get(report.resolve().as_uri())
    browser.execute_script("return document.readyState")
    return browser.get_log("browser")  # what the page logged while loading


def _screenshot(browser, path: Path) -> Path:
    """The whole page (not only the window), through the DevTools protocol."""
    size = browser.execute_script("return [document.documentElement.scrollWidth, "
                                  "document.documentElement.scrollHeight];")
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _check_page(browser, folder: Path, tmp_path: Path, verdict: str, label: str) -> None:
    report = folder / "report.html"
    assert report.is_file()
    logs = _open(browser, report)
    errors = [entry for entry in logs if entry.get("level") in ("SEVERE", "WARNING")]
    assert errors == [], errors
    images = browser.execute_script(IMAGES)
    pngs = list(folder.glob("*.png"))
    assert len(images) == len(pngs) > 0
    for img in images:
        assert img["complete"] and img["natural"] > 0, img
        # drawn, not collapsed (a border alone is 2 px): charts are far wider than 50 px
        assert img["width"] > 50 and img["height"] > 50, img
    assert browser.execute_async_script(DECODED) == [True] * len(images)  # whole, decodable
    fetched = [name for name in browser.execute_script(RESOURCES)
               if not name.startswith(("data:", "file:"))]
    assert fetched == []
    shown = browser.find_element("css selector", ".verdict").text
    assert verdict in " ".join(shown.split())
    assert browser.execute_script("return document.characterSet") == "UTF-8"
    path = _screenshot(browser, tmp_path / f"report-{label}.png")
    assert path.stat().st_size > 10_000
    print(f"screenshot of the {label} report: {path}")
    # a phone: the page itself does not scroll sideways (wide tables scroll in their box)
    _open(browser, report, width=390, height=844)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    assert overflow <= 1, f"the page is {overflow} px wider than a phone's screen"
    phone = _screenshot(browser, tmp_path / f"report-{label}-phone.png")
    print(f"screenshot of the {label} report on a phone: {phone}")
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    assert base64.b64decode(pdf["data"])[:5] == b"%PDF-"


def test_run_report_in_chromium(browser, zh_run, tmp_path):
    """The Chinese seat plant's run report: loads clean, every chart drawn, the verdict shown."""
    summary = json.loads((zh_run / "summary.json").read_text(encoding="utf-8"))
    verdict = summary["verdict"].split(": ", 1)[-1][:60]
    _check_page(browser, zh_run, tmp_path, verdict, "run")
    # the Chinese station names are on the page as text
    assert "前排骨架" in browser.find_element("tag name", "body").text


def test_sweep_report_in_chromium(browser, ref_sweep, tmp_path):
    """The reference sweep's report: loads clean, its charts drawn, the answer shown."""
    _check_page(browser, ref_sweep, tmp_path, "The best point is", "sweep")
