// The page: a hash router (#/ the list, #/executions/<id> one execution),
// the token prompt (shown whenever the API answers 401) and notices.

import * as api from "./api.js";
import { el } from "./states.js";
import { listView } from "./list.js";
import { executionView } from "./execution.js";

const view = document.getElementById("view");
const login = document.getElementById("login");
const tokenInput = document.getElementById("token");
const noticeBox = document.getElementById("notice");
const crumbs = document.getElementById("crumbs");
const logout = document.getElementById("logout");
let leave = null;

function notice(message, isError) {
  noticeBox.hidden = !message;
  noticeBox.className = isError ? "error" : "";
  noticeBox.textContent = message || "";
}

function setCrumbs(parts) {
  crumbs.replaceChildren(...parts.map((p) => el("span", {}, " / ", p)));
}

function showLogin(reason) {
  if (leave) { leave(); leave = null; }
  view.replaceChildren();
  notice(null);
  document.getElementById("login-reason").textContent = reason || "The API asks for a Keystone token.";
  login.hidden = false;
  tokenInput.focus();
}

api.onUnauthorized((message) => showLogin(message));

login.addEventListener("submit", (event) => {
  event.preventDefault();
  api.setToken(tokenInput.value.trim());
  tokenInput.value = "";
  route();
});

logout.addEventListener("click", () => { api.setToken(null); route(); });

async function route() {
  if (leave) { leave(); leave = null; }
  login.hidden = true;
  delete document.body.dataset.loaded;
  delete document.body.dataset.execution;
  logout.hidden = !api.token();
  notice(null);
  const hash = location.hash.replace(/^#/, "") || "/";
  let match = /^\/executions\/([\w-]+)$/.exec(hash);
  if (match) { leave = executionView(view, match[1], setCrumbs, notice); return; }
  match = /^\/tasks\/([\w-]+)\/parent$/.exec(hash);
  if (match) {
    try {
      const task = await api.get("../v2/tasks/" + match[1] + api.query({ fields: "id,workflow_execution_id" }));
      location.replace("#/executions/" + task.workflow_execution_id);
    } catch (e) { notice(e.message, true); }
    return;
  }
  leave = listView(view, setCrumbs, notice);
}

window.addEventListener("hashchange", route);
route();
