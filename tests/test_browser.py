"""The gradebook's pages in a real browser: headless Chromium loads them from disk.

For the class page (``index.html``) and every student's report: nothing is requested from the
network, no console error occurs, nothing sticks out sideways at 1280 px or at 400 px (a phone),
and a screenshot is taken at both widths (kept in ``$SCREENSHOTS`` when set). The
Content-Security-Policy holds: a student named like a script is text, and a script written into a
page anyway does not run, while the page's own sorting script does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser import Browser, executable
from PIL import Image

from autograder import batch
from autograder.reports import classview

pytestmark = pytest.mark.slow

WIDTHS = (1280, 400)
# Students named like markup: escaped, their names must stay text.
NAMED_LIKE_MARKUP = ("<script>document.title='owned'", "<img src=x onerror=document.title='img'>")
INJECTED = "<script>document.title = 'owned'</script>"
# Tables that scroll inside their own box (a report's tables are blocks with overflow-x: auto,
# so the page around them never overflows): none should have to.
SCROLLING_TABLES = (
    "[...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth + 1)"
    ".map(t => t.textContent.slice(0, 60))"
)
# The findings' numbers (step, parameter, expected, got ...) whose boxes pass the body's edge.
NUMBERS_OUTSIDE = """[...document.querySelectorAll('dl.numbers div')].filter(box =>
  box.getBoundingClientRect().right > document.body.getBoundingClientRect().right + 1
).map(box => box.textContent)"""
NUMBERS = "document.querySelectorAll('dl.numbers').length"


@pytest.fixture(scope="module")
def browser():
    if executable() is None:
        pytest.skip("no Chromium to test the pages in (apt-get install chromium; .ci/run does)")
    with Browser() as opened:
        yield opened


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory, root: Path) -> Path:
    """The bundled examples and two students named like markup, graded on public cases."""
    folder = tmp_path_factory.mktemp("class")
    for example in (root / "examples" / "submissions").glob("*.py"):
        shutil.copy(example, folder)
    for name in NAMED_LIKE_MARKUP:
        shutil.copy(root / "examples" / "submissions" / "bob.py", folder / f"{name}.py")
    out = tmp_path_factory.mktemp("gradebook")
    assert batch.main(paths=[folder], out=out, hidden=False, timeout=3.0, jobs=2) == 0
    return out


def _pages(out: Path) -> list[Path]:
    return [out / "index.html"] + [out / r["files"]["html"] for r in classview.load(out)]


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_load_offline_cleanly_and_fit(gradebook, browser, width, tmp_path):
    """Does every page load from disk with no network request, no console error and nothing
    overflowing sideways, and give a screenshot of its width?"""
    shots = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    pages = _pages(gradebook)
    assert len(pages) == 7
    for page in pages:
        visit = browser.open(page, width=width)
        assert visit.requests and visit.network() == [], page.name
        assert visit.errors == [], page.name
        assert browser.overflowing() == [], page.name
        shot = browser.screenshot(shots / f"{page.stem}-{width}.png")
        with Image.open(shot) as image:
            assert image.width == width


@pytest.mark.parametrize("width", WIDTHS)
def test_findings_numbers_fit_the_page_unscrolled(gradebook, browser, width):
    """At 1280 px (and on a phone), do every report's findings numbers and tables show whole,
    inside the text column, with no scroll bar of their own (and are there numbers to see)?"""
    shown = 0
    for page in _pages(gradebook)[1:]:
        browser.open(page, width=width)
        assert browser.evaluate(NUMBERS_OUTSIDE) == [], page.name
        if width == max(WIDTHS):
            assert browser.evaluate(SCROLLING_TABLES) == [], page.name
        shown += browser.evaluate(NUMBERS)
    assert shown


def test_names_like_markup_stay_text(gradebook, browser):
    """Do students named like a script or an image handler show as text, with nothing run?"""
    for page in _pages(gradebook):
        browser.open(page, width=1280)
        assert browser.evaluate("document.title") not in ("owned", "img")
        assert (
            browser.evaluate("document.querySelectorAll('img:not([src^=\"data:\"])').length") == 0
        )
    browser.open(gradebook / "index.html", width=1280)
    text = browser.evaluate("document.body.innerText")
    assert all(name in text for name in NAMED_LIKE_MARKUP)


@pytest.mark.parametrize("page", ["index.html", "alice.html"])
def test_policy_stops_a_script_written_into_the_page(browser, gradebook, tmp_path, page):
    """Does the Content-Security-Policy stop a script that an escaping bug would let into the
    page, and report it?"""
    html = (gradebook / page).read_text()
    injected = tmp_path / page
    injected.write_text(html.replace("<body>", "<body>" + INJECTED, 1))
    visit = browser.open(injected, width=1280)
    assert browser.evaluate("document.title") != "owned"
    assert any("Content Security Policy" in error for error in visit.errors)


def test_table_sorts_by_a_clicked_column(browser, gradebook):
    """Does the page's own script (allowed by its hash) sort the students by score?"""
    browser.open(gradebook / "index.html", width=1280)
    column = (
        "[...document.querySelectorAll('table.sortable tbody tr')].map(r => +r.cells[1].dataset.v)"
    )
    before = browser.evaluate(column)
    browser.evaluate("document.querySelectorAll('table.sortable th button')[1].click()")
    assert browser.evaluate(column) == sorted(before)
    browser.evaluate("document.querySelectorAll('table.sortable th button')[1].click()")
    assert browser.evaluate(column) == sorted(before, reverse=True)
    assert before != sorted(before)  # sorted by id at first, so the click did something
