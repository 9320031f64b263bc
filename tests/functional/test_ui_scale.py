"""The web view of one execution of 10,000 tasks: it loads within a
generous bound, draws without a DOM node per task, and stays responsive."""

import time

import pytest
from selenium.webdriver.common.by import By

from tests.functional import browser as br
from tests.functional import ui_world
from tests.functional.server import running_server

pytestmark = pytest.mark.functional

TASKS = 10000
CHAINS = 10
# Generous: the page reads 10,000 tasks and their action executions by
# pages of 1,000 on a machine shared with other test workers (about 10 s
# when it has the machine to itself).
LOAD_S = 180
# The engine runs the 10,000 tasks one step at a time (about 90 s alone).
RUN_S = 1200


@pytest.fixture(scope="module")
def big_execution(tmp_path_factory):
    with br.chromium() as driver, running_server(
            tmp_path_factory.mktemp("ui-big")) as (url, _state):
        api = ui_world.Api(url)
        api.create_workflows(ui_world.loop_workflow(CHAINS))
        ex_id = api.start("ui_big", {"n": TASKS})
        assert api.wait_state(ex_id, timeout=RUN_S)["state"] == "SUCCESS"
        yield driver, url[:-len("/v2")] + "/ui/", ex_id


def test_ten_thousand_tasks(big_execution):
    driver, ui, ex_id = big_execution
    started = time.monotonic()
    driver.get(ui + "#/executions/" + ex_id)
    br.wait_for(driver, "document.body.dataset.loaded === 'SUCCESS:%d'"
                % (TASKS + 1), timeout=LOAD_S)
    took = time.monotonic() - started
    assert took < LOAD_S
    # One node per task name, not per task execution.
    nodes = driver.find_elements(By.CSS_SELECTOR, ".node")
    assert len(nodes) == CHAINS + 1
    assert "×%d" % (TASKS // CHAINS) in driver.find_element(
        By.CSS_SELECTOR, '.node[data-task="c0"]').text
    canvas = driver.find_element(By.CSS_SELECTOR, "canvas[data-testid]")
    assert canvas.get_attribute("data-rows") == str(TASKS + 1)
    # No element per task execution.
    assert driver.execute_script(
        "return document.getElementsByTagName('*').length") < 2000

    # Responsive: scrolling to the last rows draws them at once.
    started = time.monotonic()
    driver.execute_script(
        "const s = document.querySelector('.timeline-scroll');"
        "s.scrollTop = s.scrollHeight;")
    driver.execute_async_script(
        "requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert time.monotonic() - started < 10
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})",
                          canvas)
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height];", canvas)
    image = br.screenshot(driver)
    bars = 0
    for y in range(int(box[1]) + 26, int(box[1] + box[3]), 2):
        bars += len(br.runs_of(image, y, "#2e9e44", int(box[0]) + 170))
    assert bars > 0

    # Clicking a row of the last ones shows that task execution.
    driver.execute_script(
        "const c = arguments[0]; const r = c.getBoundingClientRect();"
        "c.dispatchEvent(new MouseEvent('click', {clientX: r.left + 300,"
        " clientY: r.bottom - 30, bubbles: true}))", canvas)
    br.wait_for(driver, "document.querySelector('#details dl')")
    assert "SUCCESS" in driver.find_element(By.ID, "details").text
