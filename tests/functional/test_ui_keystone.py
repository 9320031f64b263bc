"""The web view with auth on (a real Keystone): the page asks for a token,
sends it to the API, asks again on 401, and offers only the actions the
caller's roles allow."""

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.functional import browser as br
from tests.functional import keystone_api
from tests.functional import ui_world

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def world(keystone, tmp_path_factory):
    with br.chromium() as driver, keystone_api.auth_server(
            keystone, tmp_path_factory.mktemp("ui-auth")) as url:
        api = ui_world.Api(url, keystone.token("a-member"))
        api.create_workflows(ui_world.WAITING)
        ex_id = api.start("ui_waiting")
        yield {"driver": driver, "ui": url[:-len("/v2")] + "/ui/",
               "api": api, "execution": ex_id, "keystone": keystone}
        api.deliver(api.running_action(ex_id))


def log_in(driver, token):
    br.wait_for(driver, "!document.getElementById('login').hidden")
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()


def test_page_answers_without_token_and_the_api_does_not(world):
    ui = world["ui"]
    assert requests.get(ui, timeout=30).status_code == 200
    assert requests.get(ui + "permissions", timeout=30).status_code == 401


def test_token_prompt(world):
    driver = world["driver"]
    driver.get(world["ui"] + "#/")
    driver.execute_script("sessionStorage.clear()")
    driver.refresh()
    br.wait_for(driver, "!document.getElementById('login').hidden")
    assert "Authentication required" in driver.find_element(
        By.ID, "login-reason").text
    assert driver.find_elements(By.ID, "executions") == []

    log_in(driver, "not-a-token")
    br.wait_for(driver, "!document.getElementById('login').hidden && "
                        "document.getElementById('login-reason').textContent"
                        ".includes('Auth token is invalid')")

    log_in(driver, world["keystone"].token("a-member"))
    br.wait_for(driver, "document.querySelector('#executions tr[data-id="
                        "\"%s\"]')" % world["execution"])
    # Kept for the session: a reload needs no new prompt.
    driver.refresh()
    br.wait_for(driver, "document.querySelector('#executions tr[data-id="
                        "\"%s\"]')" % world["execution"])
    assert driver.find_element(By.ID, "login").get_attribute("hidden")


def open_as(world, user):
    driver = world["driver"]
    driver.get(world["ui"] + "#/")
    driver.execute_script("sessionStorage.setItem('mistral-clone-ui-token',"
                          " arguments[0])", world["keystone"].token(user))
    driver.get(world["ui"] + "#/executions/" + world["execution"])
    driver.refresh()
    br.wait_for(driver, "(document.body.dataset.loaded || '')"
                        ".startsWith('RUNNING:')")
    return driver


def test_member_is_offered_pause_and_cancel(world):
    driver = open_as(world, "a-member")
    actions = {b.get_attribute("data-action") for b in
               driver.find_elements(By.CSS_SELECTOR, "#actions button")}
    assert actions == {"pause", "cancel"}


def test_reader_sees_but_is_offered_nothing(world):
    driver = open_as(world, "a-reader")
    assert driver.find_elements(By.CSS_SELECTOR, "#actions button") == []
    assert driver.find_elements(By.CSS_SELECTOR, '.node[data-task="hold"]')


def test_other_project_gets_the_api_answer(world):
    """A token of another project: the API's 404 is shown, nothing of the
    execution."""
    driver = world["driver"]
    driver.get(world["ui"] + "#/")
    driver.execute_script(
        "sessionStorage.setItem('mistral-clone-ui-token', arguments[0])",
        world["keystone"].token("b-member"))
    driver.get(world["ui"] + "#/executions/" + world["execution"])
    driver.refresh()
    br.wait_for(driver, "!document.getElementById('notice').hidden")
    assert driver.find_elements(By.CSS_SELECTOR, ".node") == []


def test_graph_answers_as_the_api_reads_the_workflow(world):
    """``/ui/graph`` is behind the API's authentication and its project
    visibility: no token 401, another project's token 404 (as
    ``GET /v2/workflows/{id}``), the owner's the graph."""
    api, keystone = world["api"], world["keystone"]
    wf_id = api.execution(world["execution"])["workflow_id"]
    url = world["ui"] + "graph"

    def get(token=None):
        headers = {"X-Auth-Token": token} if token else {}
        return requests.get(url, params={"workflow_id": wf_id},
                            headers=headers, timeout=30)

    assert get().status_code == 401
    other = get(keystone.token("b-member"))
    assert other.status_code == 404
    assert wf_id in other.json()["faultstring"]
    own = get(keystone.token("a-reader"))
    assert own.status_code == 200
    assert [t["name"] for t in own.json()["graph"]["tasks"]] == [
        "hold", "after"]
