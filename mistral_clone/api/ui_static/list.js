// The execution list: filters (workflow name, state, created between),
// pages by marker, refreshed every few seconds while it is on screen.

import * as api from "./api.js";
import { el, stateBadge, COLORS } from "./states.js";

const PAGE_SIZE = 20;
const REFRESH_MS = 3000;
const FIELDS = "id,workflow_name,state,created_at,updated_at,task_execution_id";

// "2026-12-07T15:04" (a datetime-local input, the browser's zone) ->
// "2026-12-07 14:04:00" (the API's UTC).
function apiTime(local) {
  if (!local) return "";
  const date = new Date(local);
  return isNaN(date) ? "" : date.toISOString().slice(0, 19).replace("T", " ");
}

export function listView(root, setCrumbs, notice) {
  setCrumbs([]);
  const filters = { workflow: el("input", { name: "workflow_name", placeholder: "any" }),
    state: el("select", { name: "state" }, el("option", { value: "" }, "any"),
      Object.keys(COLORS).filter((s) => !["DELAYED", "SKIPPED", "WAITING"].includes(s))
        .map((s) => el("option", { value: s }, s))),
    from: el("input", { type: "datetime-local", name: "created_from" }),
    to: el("input", { type: "datetime-local", name: "created_to" }) };
  const body = el("tbody");
  const pageInfo = el("span");
  const prev = el("button", { type: "button", id: "prev-page" }, "← newer");
  const next = el("button", { type: "button", id: "next-page" }, "older →");
  const form = el("form", { class: "filters", id: "filters" },
    el("label", {}, "Workflow", filters.workflow), el("label", {}, "State", filters.state),
    el("label", {}, "Created from", filters.from), el("label", {}, "Created to", filters.to),
    el("button", { type: "submit" }, "Filter"));
  root.replaceChildren(el("h2", {}, "Executions"), form,
    el("table", { id: "executions" }, el("thead", {}, el("tr", {},
      ["Workflow", "State", "Created (UTC)", "Updated (UTC)", "ID"].map((h) => el("th", {}, h)))), body),
    el("div", { class: "pager" }, prev, next, pageInfo));

  const markers = [null]; // markers[i]: the marker of page i
  let page = 0, timer = null, alive = true, hasNext = false;

  async function load() {
    clearTimeout(timer);
    const from = apiTime(filters.from.value), to = apiTime(filters.to.value);
    let answer;
    try {
      answer = await api.get("../v2/executions" + api.query({
        limit: PAGE_SIZE, sort_keys: "created_at,id", sort_dirs: "desc,desc", fields: FIELDS,
        workflow_name: filters.workflow.value.trim(), state: filters.state.value,
        created_at: to ? "lte:" + to : from ? "gte:" + from : "", marker: markers[page],
      }));
    } catch (e) {
      if (alive) notice(e.message, true);
      return;
    }
    if (!alive) return;
    notice(null);
    let rows = answer.executions || [];
    let ended = false;
    if (from && to) {
      // Newest first: the first one older than `from` ends the range.
      const fromMs = api.parseTime(from);
      const kept = rows.filter((r) => api.parseTime(r.created_at) >= fromMs);
      ended = kept.length < rows.length;
      rows = kept;
    }
    body.replaceChildren(...rows.map((r) => el("tr", { "data-id": r.id, "data-state": r.state },
      el("td", {}, el("a", { href: "#/executions/" + r.id }, r.workflow_name),
        r.task_execution_id ? " (sub-workflow)" : ""),
      el("td", {}, stateBadge(r.state)), el("td", { class: "mono" }, r.created_at),
      el("td", { class: "mono" }, r.updated_at || ""), el("td", { class: "mono" }, r.id))));
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 5 }, "No executions.")));
    const marker = ended ? null : api.nextMarker(answer);
    hasNext = Boolean(marker);
    markers[page + 1] = marker;
    prev.disabled = page === 0;
    next.disabled = !hasNext;
    pageInfo.textContent = "page " + (page + 1);
    timer = setTimeout(load, REFRESH_MS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    markers.length = 1;
    page = 0;
    load();
  });
  prev.addEventListener("click", () => { if (page > 0) { page--; load(); } });
  next.addEventListener("click", () => { if (hasNext) { page++; load(); } });
  load();
  return () => { alive = false; clearTimeout(timer); };
}
