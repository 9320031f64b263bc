"""Headless Chromium (Debian's ``chromium`` and ``chromium-driver``, which
``tests/run.sh`` installs) driven by selenium, for the web view's tests;
and reading colours off its screenshots.

Tests skip, saying why, only where Chromium or its driver is missing."""

import contextlib
import io
import shutil

import pytest

from tests import waiting

WIDTH, HEIGHT = 1400, 1800


def _chromium():
    binary = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("chromium and chromium-driver are not installed "
                    "(tests/run.sh installs them when run as root)")
    try:
        from selenium import webdriver  # noqa: F401 - test extra
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    return binary, driver


@contextlib.contextmanager
def chromium():
    """A headless Chromium at a fixed size, one CSS pixel per screen pixel,
    in UTC (the filters' times are read in the browser's zone)."""
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=%d,%d" % (WIDTH, HEIGHT),
                "--force-device-scale-factor=1", "--no-first-run",
                "--disable-extensions"):
        options.add_argument(arg)
    service = Service(driver_path, env={"TZ": "UTC"})
    driver = webdriver.Chrome(options=options, service=service)
    # Pages of 10,000 tasks load slowly on a shared machine.
    driver.set_script_timeout(120)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, script, timeout=60.0):
    """The truthy value of the JavaScript expression ``script`` (bounded
    wait)."""
    return waiting.wait_for(
        lambda: driver.execute_script("return " + script), timeout=timeout,
        interval=0.1)


def screenshot(driver):
    """The page as it is drawn now, as a PIL image (RGB)."""
    from PIL import Image
    return Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert(
        "RGB")


def hex_rgb(color):
    color = color.lstrip("#")
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))


def close_to(pixel, color, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, hex_rgb(color)))


def runs_of(image, y, color, x_from=0):
    """The widths of the horizontal runs of ``color`` on row ``y``."""
    widths, run = [], 0
    for x in range(x_from, image.width):
        if close_to(image.getpixel((x, y)), color):
            run += 1
        elif run:
            widths.append(run)
            run = 0
    if run:
        widths.append(run)
    return widths
