"""The built book in a real browser: headless Chromium driven by Selenium.

The HTML of the ``default_book`` fixture is served over http from a local
``http.server`` on 127.0.0.1 (search does not work from ``file://``), and
Chromium is started with every other host unreachable, so a page that needs
the internet (a CDN's MathJax, a web font) fails here as it would offline.

Debian's ``chromium`` and ``chromium-driver`` are used (``make browser``, a
prerequisite of ``make test``, installs them as root). Without them the tests
are skipped with the reason, except under CI, where that is a failure.

Every page's full-page screenshot is saved in a folder of pytest's temporary
directory (``tmp_path_factory``, never inside the project, so a test run leaves
no stale files there) for a person to look at; the folder is printed at the end
of the run.
"""

from __future__ import annotations

import base64
import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("NETTX_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NETTX_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROME_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1440,1000",
    # The network is off: every host but the local server is unresolvable, and
    # anything else goes to a proxy that does not exist.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
)
TIMEOUT = 30

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session", autouse=True)
def browser_installed() -> None:
    """Skip (fail under CI) before any book is built when Chromium or its driver is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -r requirements.txt)")
    if missing:
        reason = (
            f"browser tests need {' and '.join(missing)}: run `make browser` as root "
            "(apt-get install chromium chromium-driver), or `make test`, which does it"
        )
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


# --------------------------------------------------------------------------- serving


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _Site:
    """A folder of HTML served on 127.0.0.1 in a thread."""

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pages(self) -> list[str]:
        """Every page of the book, as paths relative to the root."""
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*.html")
            if not path.relative_to(self.root).parts[0].startswith("_")
        )

    def chapters(self) -> list[str]:
        """The pages of the table of contents (the root page and the book's pages)."""
        return [p for p in self.pages() if p == "index.html" or p.startswith("book/")]

    def file_for(self, url: str) -> Path | None:
        """The file an internal URL points at, or None for an external URL."""
        if not url.startswith(self.url):
            return None
        path = unquote(urlsplit(url).path).lstrip("/")
        target = self.root / path
        return target / "index.html" if target.is_dir() or not path else target


@pytest.fixture(scope="module")
def site(default_book) -> Iterator[_Site]:
    served = _Site(Path(default_book.html_dir))
    yield served
    served.close()


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(TIMEOUT)
    yield browser
    browser.quit()


def _open(driver, url: str) -> list[str]:
    """Load ``url``, wait for it to settle, and return its JavaScript console errors."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drain what earlier pages left
    driver.get(url)
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    # Lazy images load only when scrolled to: load them all, then wait for them.
    driver.execute_script(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager');"
    )
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete)")
    )
    _wait_for_math(driver)
    return [
        f"{entry['level']}: {entry['message']}"
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
    ]


def _wait_for_math(driver) -> None:
    """When a page has math, wait until MathJax has typeset all of it."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.execute_script(
            "const math = document.querySelectorAll('.math');"
            "if (math.length === 0) return true;"
            "return Array.from(math).every(m => m.querySelector('mjx-container'));"
        ),
        "MathJax did not typeset the page's math",
    )


# --------------------------------------------------------------------------- report


class _ScreenshotReport:
    """Prints, at the end of the run, where the screenshots are."""

    name = "nettx-browser-screenshots"

    def __init__(self, folder: Path):
        self.folder = folder
        self.saved: list[Path] = []

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.saved:
            terminalreporter.write_sep("-", "browser screenshots")
            terminalreporter.write_line(
                f"{len(self.saved)} full-page screenshots of the book in {self.folder}"
            )


@pytest.fixture(scope="module")
def screenshots(request, tmp_path_factory) -> _ScreenshotReport:
    """Where the screenshots go: a fresh folder under pytest's temporary directory."""
    manager = request.config.pluginmanager
    report = manager.get_plugin(_ScreenshotReport.name)
    if report is None:
        report = _ScreenshotReport(tmp_path_factory.mktemp("browser_screenshots"))
        manager.register(report, _ScreenshotReport.name)
    return report


def _full_page_png(driver) -> bytes:
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])


# --------------------------------------------------------------------------- tests


def test_every_page_loads_without_console_errors(site, driver):
    pages = site.pages()
    assert "index.html" in pages and "search.html" in pages
    assert any(p.startswith("book/computed/") for p in pages), "no chapter pages"
    errors = {page: _open(driver, site.url + page) for page in pages}
    errors = {page: messages for page, messages in errors.items() if messages}
    assert not errors, "JavaScript console errors:\n" + "\n".join(
        f"{page}: {message}" for page, messages in errors.items() for message in messages
    )


def test_no_broken_images(site, driver):
    broken = []
    for page in site.pages():
        _open(driver, site.url + page)
        for src in driver.execute_script(
            "return Array.from(document.images)"
            ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.currentSrc || i.src)"
        ):
            broken.append(f"{page}: {src}")
    assert not broken, "images that did not load:\n" + "\n".join(broken)


def test_no_broken_internal_links(site, driver):
    broken = []
    anchors: dict[Path, set[str]] = {}
    for page in site.pages():
        _open(driver, site.url + page)
        hrefs = driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href]'), a => a.href)"
        )
        for href in hrefs:
            target = site.file_for(href)
            if target is None:
                continue
            if not target.is_file():
                broken.append(f"{page}: {href} (no file {target.relative_to(site.root)})")
                continue
            fragment = unquote(urlsplit(href).fragment)
            if fragment and target.suffix == ".html":
                if target not in anchors:
                    anchors[target] = _ids(target)
                if fragment not in anchors[target]:
                    broken.append(f"{page}: {href} (no id {fragment!r} there)")
    assert not broken, "internal links that lead nowhere:\n" + "\n".join(sorted(set(broken)))


def _ids(page: Path) -> set[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {tag["id"] for tag in soup.find_all(id=True)} | {
        tag["name"] for tag in soup.find_all("a", attrs={"name": True})
    }


def test_every_figure_has_an_image_a_caption_and_alt_text(site, driver):
    problems = []
    figures = 0
    for page in site.chapters():
        _open(driver, site.url + page)
        for figure in driver.execute_script(
            """
            return Array.from(document.querySelectorAll('main figure, article figure'), f => {
              const caption = f.querySelector('figcaption');
              const images = Array.from(f.querySelectorAll('img, svg'), i => ({
                alt: i.tagName === 'IMG' ? (i.getAttribute('alt') || '')
                     : (i.getAttribute('aria-label') || (i.querySelector('title') || {}).textContent || ''),
                src: i.getAttribute('src') || ''}));
              return {id: f.id || '(no id)',
                      caption: caption ? caption.innerText.trim() : '',
                      images: images};
            });
            """
        ):
            figures += 1
            where = f"{page}#{figure['id']}"
            if not figure["caption"]:
                problems.append(f"{where}: no caption")
            if not figure["images"]:
                problems.append(f"{where}: no image (the figure shows no picture)")
            for image in figure["images"]:
                alt = image["alt"].strip()
                file_name = image["src"].rsplit("/", 1)[-1]
                if not alt or alt == image["src"] or alt == file_name:
                    problems.append(
                        f"{where}: image {file_name or '(inline)'} has no alt text "
                        "(give the glue:figure an :alt: option)"
                    )
    assert figures, "the chapters show no figure"
    assert not problems, "figures:\n" + "\n".join(problems)


def test_search_finds_kaplan_meier(site, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    errors = _open(driver, site.url + "search.html?q=Kaplan-Meier")
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.execute_script(
            "const s = document.getElementById('search-results');"
            "return s && s.querySelector('p.search-summary, .search-summary') !== null;"
        ),
        "the search did not finish",
    )
    results = driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")
    pages = {a.get_attribute("href").split("#")[0].rsplit("/", 1)[-1] for a in results}
    assert results, "searching Kaplan-Meier found nothing"
    assert any(page.endswith(".html") and page[:2].isdigit() for page in pages), pages
    assert not errors, errors


def test_code_cells_toggle_open_and_closed(site, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = next(
        (
            p
            for p in site.chapters()
            if "Show code cell source" in (site.root / p).read_text(encoding="utf-8")
        ),
        None,
    )
    assert page, "no chapter has a hidden code cell ('Show code cell source')"
    _open(driver, site.url + page)
    details = driver.find_element(
        By.XPATH, "//details[.//summary[contains(normalize-space(.), 'Show code cell source')]]"
    )
    summary = details.find_element(By.TAG_NAME, "summary")
    code = details.find_element(By.CSS_SELECTOR, ".cell_input, pre")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", summary)
    assert details.get_property("open") is False and not code.is_displayed()
    summary.click()
    WebDriverWait(driver, 5).until(lambda d: details.get_property("open") and code.is_displayed())
    assert "Hide code cell source" in summary.text
    summary.click()
    WebDriverWait(driver, 5).until(
        lambda d: not details.get_property("open") and not code.is_displayed()
    )


def test_screenshot_of_every_chapter(site, driver, screenshots, record_property):
    from PIL import Image

    record_property("screenshots", str(screenshots.folder))
    for page in site.chapters():
        _open(driver, site.url + page)
        path = screenshots.folder / (page.removesuffix(".html").replace("/", "__") + ".png")
        path.write_bytes(_full_page_png(driver))
        screenshots.saved.append(path)
        with Image.open(path) as image:
            assert image.width >= 1000 and image.height >= 600, (path, image.size)
    assert len(screenshots.saved) == len(site.chapters())
    assert not screenshots.folder.resolve().is_relative_to(ROOT), "screenshots in the project"


# --------------------------------------------------------------------------- MathJax


@pytest.fixture(scope="module")
def math_site(tmp_path_factory) -> Iterator[_Site]:
    """A one-page book built with the project's _config.yml, whose page has math."""
    book = tmp_path_factory.mktemp("math_book")
    shutil.copy2(ROOT / "_config.yml", book / "_config.yml")
    # The book's folder (bibliography, local extension, static files), not its chapters.
    shutil.copytree(
        ROOT / "book", book / "book", ignore=shutil.ignore_patterns("_build", "computed")
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (book / "index.md").write_text(
        "# Math offline\n\nInline $x^2$, and displayed:\n\n$$\nS(t) = \\prod_{t_i \\le t}"
        " \\left(1 - \\frac{d_i}{n_i}\\right)\n$$\n"
    )
    command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]
    command += ["build", str(book), "--path-output", str(book), "--warningiserror", "--quiet"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    served = _Site(book / "_build" / "html")
    yield served
    served.close()


def test_mathjax_is_served_with_the_book_and_renders_offline(math_site, driver):
    from selenium.webdriver.common.by import By

    html = (math_site.root / "index.html").read_text(encoding="utf-8")
    assert 'src="_static/mathjax/tex-chtml.js"' in html, "MathJax is not the local copy"
    assert (math_site.root / "_static" / "mathjax" / "tex-chtml.js").is_file()
    errors = _open(driver, math_site.url + "index.html")
    containers = driver.find_elements(By.CSS_SELECTOR, "mjx-container.MathJax")
    assert len(containers) >= 2, "MathJax rendered no math"
    assert any(c.get_attribute("display") == "true" for c in containers)
    assert driver.find_elements(By.CSS_SELECTOR, "mjx-container mjx-msup"), "x^2 not typeset"
    assert driver.execute_script("return window.MathJax && MathJax.version").startswith("3.")
    assert not errors, errors
