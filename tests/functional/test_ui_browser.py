"""The web view (``/ui/``) in a real browser (headless Chromium) against a
real server running real workflows: what the page says (DOM) and what it
draws (pixels of screenshots)."""

import os

import pytest
from selenium.webdriver.common.by import By

from tests.functional import browser as br
from tests.functional import ui_world
from tests.functional.server import running_server

pytestmark = pytest.mark.functional

SUCCESS = "#2e9e44"
ERROR = "#d62828"
RUNNING = "#1f6feb"
# The timeline's geometry (timeline.js).
AXIS_H, ROW_H, LABEL_W = 24, 22, 170


@pytest.fixture(scope="module")
def driver():
    with br.chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory, driver):
    with running_server(tmp_path_factory.mktemp("ui")) as (url, _state):
        api = ui_world.Api(url)
        api.create_workflows(ui_world.MAIN)
        api.create_workflows(ui_world.WAITING)
        main_id = api.start("ui_main")
        api.wait_state(main_id)
        yield {"api": api, "ui": url[:-len("/v2")] + "/ui/",
               "main": main_id}


def open_execution(driver, server, ex_id, state=None):
    driver.get(server["ui"] + "#/executions/" + ex_id)
    br.wait_for(driver, "document.body.dataset.execution === %r && "
                        "(document.body.dataset.loaded || '').startsWith(%r)"
                % (ex_id, (state or "") + ":" if state else ""))


def node(driver, name):
    return driver.find_element(By.CSS_SELECTOR, '.node[data-task="%s"]' % name)


def node_pixel(driver, name):
    """A pixel of the node's box, away from its text."""
    rect = node(driver, name).find_element(By.TAG_NAME, "rect")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                          rect)
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.right - 8, r.top + r.height / 2];", rect)
    return br.screenshot(driver).getpixel((int(box[0]), int(box[1])))


def test_graph_shows_tasks_transitions_and_states(driver, server):
    open_execution(driver, server, server["main"], "ERROR")
    states = {n.get_attribute("data-task"): n.get_attribute("data-state")
              for n in driver.find_elements(By.CSS_SELECTOR, ".node")}
    assert states == {"start": "SUCCESS", "left": "SUCCESS",
                      "right": "SUCCESS", "items": "SUCCESS",
                      "child": "SUCCESS", "joined": "SUCCESS",
                      "flaky": "ERROR"}
    assert "join all" in node(driver, "joined").text
    assert "items 3/3" in node(driver, "items").text
    assert "retries 2" in node(driver, "flaky").text
    assert "ui_child" in node(driver, "child").text
    edges = {(e.get_attribute("data-from"), e.get_attribute("data-to"),
              e.get_attribute("data-kind"))
             for e in driver.find_elements(By.CSS_SELECTOR, ".edge")}
    assert ("start", "left", "success") in edges
    assert ("left", "joined", "success") in edges
    assert ("right", "joined", "success") in edges
    labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR,
                                                   ".edge-label")]
    assert labels.count("success") == len(edges)
    assert br.close_to(node_pixel(driver, "joined"), SUCCESS)
    assert br.close_to(node_pixel(driver, "flaky"), ERROR)
    if os.environ.get("MISTRAL_CLONE_UI_SCREENSHOT"):
        node(driver, "flaky").click()
        br.wait_for(driver, "document.querySelector('#details .state-info')")
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(os.environ["MISTRAL_CLONE_UI_SCREENSHOT"])


def test_timeline_draws_bars(driver, server):
    open_execution(driver, server, server["main"], "ERROR")
    canvas = driver.find_element(By.CSS_SELECTOR, "canvas[data-testid]")
    rows = int(canvas.get_attribute("data-rows"))
    assert rows == 7
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})",
                          canvas)
    br.wait_for(driver, "new Promise(r => requestAnimationFrame(() => "
                        "r(true)))")
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.left, r.top];", canvas)
    image = br.screenshot(driver)
    left, top = int(box[0]), int(box[1])
    task_runs, action_runs = {}, {}
    for i in range(rows):
        y = top + AXIS_H + i * ROW_H
        for color in (SUCCESS, ERROR):
            task_runs.setdefault(color, []).extend(
                br.runs_of(image, y + 8, color, left + LABEL_W))
            action_runs.setdefault(color, []).append(
                br.runs_of(image, y + 17, color, left + LABEL_W))
    # `left` sleeps a second of the execution's few: a wide bar.
    assert max(task_runs[SUCCESS]) > 40
    assert task_runs[ERROR]
    # `flaky` ran three times (retry count 2): three action bars in a row.
    assert max(len(runs) for runs in action_runs[ERROR]) == 3


def test_task_details_and_failed_definition(driver, server):
    open_execution(driver, server, server["main"], "ERROR")
    node(driver, "flaky").click()
    br.wait_for(driver, "document.querySelector('#details .state-info')")
    details = driver.find_element(By.ID, "details")
    assert "Fail action expected exception" in details.find_element(
        By.CSS_SELECTOR, ".state-info").text
    assert len(details.find_elements(By.CSS_SELECTOR, ".action-ex")) == 3
    assert details.find_elements(By.CSS_SELECTOR, '[data-action="rerun"]')
    failed = [line.text for line in driver.find_elements(
        By.CSS_SELECTOR, "#definition .line.failed")]
    assert failed[0].split(None, 1)[1] == "flaky:"
    assert any("std.fail" in line for line in failed)
    assert not any("joined" in line for line in failed)

    node(driver, "items").click()
    br.wait_for(driver, "document.querySelector('#details .published') && "
                        "document.querySelector('#details dl').dataset"
                        ".taskId !== undefined && document.querySelector("
                        "'#details b').textContent === 'items'")
    published = driver.find_element(By.CSS_SELECTOR, "#details .published")
    assert '"numbers"' in published.text
    assert len(driver.find_elements(By.CSS_SELECTOR,
                                    "#details .action-ex")) == 3
    details = driver.find_element(By.ID, "details")
    details.find_element(By.CSS_SELECTOR, ".action-ex summary").click()
    assert '"output"' in details.find_element(
        By.CSS_SELECTOR, ".action-ex pre").text


def test_sub_workflow_is_navigable(driver, server):
    open_execution(driver, server, server["main"], "ERROR")
    node(driver, "child").click()
    link = br.wait_for(driver, "document.querySelector('#details "
                               ".child-link')")
    link.click()
    br.wait_for(driver, "location.hash !== '#/executions/%s' && (document."
                        "body.dataset.loaded || '').startsWith('SUCCESS')"
                % server["main"])
    assert "ui_child" in driver.find_element(By.ID, "summary").text
    assert node(driver, "only").get_attribute("data-state") == "SUCCESS"
    driver.find_element(By.LINK_TEXT, "parent execution").click()
    br.wait_for(driver, "location.hash === '#/executions/%s'"
                % server["main"])


def list_rows(driver):
    """(id, state) of the rows on screen, read at once (the list redraws
    itself every few seconds)."""
    return [tuple(row) for row in driver.execute_script(
        "return [...document.querySelectorAll('#executions tbody "
        "tr[data-id]')].map(r => [r.dataset.id, r.dataset.state])")]


def set_filter(driver, name, value):
    driver.execute_script(
        "const i = document.querySelector('#filters [name=' + arguments[0]"
        " + ']'); i.value = arguments[1];", name, value)


def test_list_filters_and_pages(driver, server):
    api = server["api"]
    started = [api.start("ui_child") for _ in range(22)]
    for ex_id in started:
        api.wait_state(ex_id)
    driver.get(server["ui"])
    set_filter(driver, "workflow_name", "ui_child")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    br.wait_for(driver, "[...document.querySelectorAll('#executions tbody "
                        "tr[data-id]')].length === 20 && [...document."
                        "querySelectorAll('#executions tbody td a')].every("
                        "a => a.textContent === 'ui_child')")
    first_page = list_rows(driver)
    driver.find_element(By.ID, "next-page").click()
    br.wait_for(driver, "document.querySelector('.pager span').textContent"
                        " === 'page 2'")
    second_page = list_rows(driver)
    # 22 started here and one child of ui_main: 23 in all.
    assert len(second_page) == 3
    assert not set(first_page) & set(second_page)
    assert set(started) <= {r[0] for r in first_page + second_page}
    assert driver.find_element(By.ID, "next-page").get_attribute("disabled")
    driver.find_element(By.ID, "prev-page").click()
    br.wait_for(driver, "document.querySelector('.pager span').textContent"
                        " === 'page 1'")
    assert list_rows(driver) == first_page

    set_filter(driver, "workflow_name", "")
    set_filter(driver, "state", "ERROR")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    br.wait_for(driver, "document.querySelector('#executions tbody "
                        "tr[data-id]')?.dataset.state === 'ERROR'")
    assert {r[1] for r in list_rows(driver)} == {"ERROR"}

    created = api.execution(server["main"])["created_at"]
    day, time = created.split(" ")
    set_filter(driver, "state", "")
    set_filter(driver, "created_from", "2000-01-01T00:00")
    set_filter(driver, "created_to", "2000-01-02T00:00")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    br.wait_for(driver, "document.querySelector('#executions tbody')"
                        ".textContent === 'No executions.'")
    set_filter(driver, "created_from", "%sT%s" % (day, time[:5]))
    set_filter(driver, "created_to", "2100-01-01T00:00")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    br.wait_for(driver, "document.querySelectorAll('#executions tbody "
                        "tr[data-id]').length > 0")
    assert server["main"] in {r[0] for r in list_rows(driver)} | set(
        [server["main"]] if len(list_rows(driver)) == 20 else [])


def test_live_updates_while_running(driver, server):
    api = server["api"]
    driver.get(server["ui"])
    set_filter(driver, "workflow_name", "ui_waiting")
    driver.find_element(By.CSS_SELECTOR, "#filters button").click()
    ex_id = api.start("ui_waiting")
    br.wait_for(driver, "document.querySelector('#executions tr[data-id="
                        "\"%s\"]')?.dataset.state === 'RUNNING'" % ex_id)
    api.deliver(api.running_action(ex_id))
    api.wait_state(ex_id)
    # No reload: the list reads the API again by itself.
    br.wait_for(driver, "document.querySelector('#executions tr[data-id="
                        "\"%s\"]')?.dataset.state === 'SUCCESS'" % ex_id)

    ex_id = api.start("ui_waiting")
    open_execution(driver, server, ex_id, "RUNNING")
    br.wait_for(driver, "document.querySelector('.node[data-task=\"hold\"]')"
                        "?.dataset.state === 'RUNNING'")
    assert br.close_to(node_pixel(driver, "hold"), RUNNING)
    assert node(driver, "after").get_attribute("data-state") == "NOT_RUN"
    api.deliver(api.running_action(ex_id))
    br.wait_for(driver, "(document.body.dataset.loaded || '')"
                        ".startsWith('SUCCESS:2')")
    assert br.close_to(node_pixel(driver, "after"), SUCCESS)


def click_action(driver, action):
    driver.find_element(By.CSS_SELECTOR,
                        '#actions [data-action="%s"]' % action).click()


def test_pause_resume_cancel(driver, server):
    api = server["api"]
    ex_id = api.start("ui_waiting")
    open_execution(driver, server, ex_id, "RUNNING")
    br.wait_for(driver, "document.querySelector('#actions [data-action="
                        "\"pause\"]')")
    click_action(driver, "pause")
    api.wait_state(ex_id, ("PAUSED",))
    br.wait_for(driver, "document.querySelector('#actions [data-action="
                        "\"resume\"]')")
    click_action(driver, "resume")
    api.wait_state(ex_id, ("RUNNING",))
    br.wait_for(driver, "document.querySelector('#actions [data-action="
                        "\"cancel\"]') && !document.querySelector("
                        "'#actions [data-action=\"resume\"]')")
    click_action(driver, "cancel")
    api.wait_state(ex_id, ("CANCELLED",))
    br.wait_for(driver, "document.querySelectorAll('#actions button')"
                        ".length === 0")


def test_rerun_a_failed_task(driver, server):
    api = server["api"]
    ex_id = api.start("ui_main")
    api.wait_state(ex_id)
    open_execution(driver, server, ex_id, "ERROR")
    node(driver, "flaky").click()
    button = br.wait_for(driver, "document.querySelector('#details "
                                 "[data-action=\"rerun\"]')")
    button.click()
    br.wait_for(driver, "document.querySelector('#notice').textContent"
                        ".includes('Rerun flaky: done')")
    # std.fail fails again: a second run of the task, after the first.
    api.wait_state(ex_id, ("ERROR",))
    tasks = api.call("GET", "/executions/%s/tasks" % ex_id)["tasks"]
    flaky = [t for t in tasks if t["name"] == "flaky"]
    assert len(flaky) == 1 and flaky[0]["state"] == "ERROR"
    actions = api.call("GET", "/tasks/%s/action_executions"
                       % flaky[0]["id"])["action_executions"]
    assert len(actions) > 3


@pytest.fixture(scope="module")
def read_only_server(tmp_path_factory, driver):
    """A server whose policy lets nobody change executions or tasks."""
    state = tmp_path_factory.mktemp("ui-read-only")
    policy_file = state / "policy.yaml"
    policy_file.write_text('"executions:update": "!"\n'
                           '"tasks:update": "!"\n')
    with running_server(state, extra_conf="[oslo_policy]\npolicy_file = %s\n"
                        % policy_file) as (url, _state):
        api = ui_world.Api(url)
        api.create_workflows(ui_world.MAIN)
        api.create_workflows(ui_world.WAITING)
        yield {"api": api, "ui": url[:-len("/v2")] + "/ui/"}


def test_no_actions_where_the_policy_refuses_them(driver, read_only_server):
    api = read_only_server["api"]
    running = api.start("ui_waiting")
    failed = api.start("ui_main")
    api.wait_state(failed)
    open_execution(driver, read_only_server, running, "RUNNING")
    assert driver.find_elements(By.CSS_SELECTOR, "#actions button") == []
    open_execution(driver, read_only_server, failed, "ERROR")
    node(driver, "flaky").click()
    br.wait_for(driver, "document.querySelector('#details .state-info')")
    assert driver.find_elements(By.CSS_SELECTOR,
                                '[data-action="rerun"]') == []
    api.deliver(api.running_action(running))


def test_reverse_workflow_of_a_workbook(driver, server):
    api = server["api"]
    api.create_workbook(ui_world.WORKBOOK)
    ex_id = api.start("ui_book.backwards", params={"task_name": "last"})
    api.wait_state(ex_id)
    open_execution(driver, server, ex_id, "ERROR")
    edges = {(e.get_attribute("data-from"), e.get_attribute("data-to"),
              e.get_attribute("data-kind"))
             for e in driver.find_elements(By.CSS_SELECTOR, ".edge")}
    assert edges == {("first", "second", "requires"),
                     ("second", "last", "requires")}
    assert node(driver, "last").get_attribute("data-state") == "ERROR"
    assert br.close_to(node_pixel(driver, "second"), SUCCESS)
    failed = [line.text for line in driver.find_elements(
        By.CSS_SELECTOR, "#definition .line.failed")]
    assert failed[0].split(None, 1)[1] == "last:"
