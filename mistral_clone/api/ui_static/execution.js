// One execution: summary and actions, the graph of its workflow, the
// timeline of its task and action executions, task details and the
// definition with the failed tasks highlighted. While the execution runs,
// only the rows updated since the last look are read again.

import * as api from "./api.js";
import { el, stateBadge, FINISHED } from "./states.js";
import { workflowGraph, namesOnlyGraph } from "./spec.js";
import { renderGraph } from "./graph.js";
import { Timeline } from "./timeline.js";

const PAGE = 1000;
const TASK_FIELDS = "id,name,state,type,created_at,updated_at,runtime_context";
const ACTION_FIELDS = "id,task_execution_id,name,state,created_at,updated_at";

const pretty = (value) => {
  if (typeof value === "string") {
    try { value = JSON.parse(value); } catch (e) { return value; }
  }
  return JSON.stringify(value, null, 2);
};

// Per task name: the latest execution's state, how many ran, the most
// retries, with-items count and items done.
export function summarize(tasks, actions) {
  const doneByTask = new Map();
  for (const a of actions) {
    if (a.state === "SUCCESS") doneByTask.set(a.task_execution_id, (doneByTask.get(a.task_execution_id) || 0) + 1);
  }
  const byName = new Map();
  for (const t of tasks) {
    const context = api.jsonField(t.runtime_context);
    const s = byName.get(t.name) || { count: 0, retries: 0, items: null, itemsDone: 0, latest: null, executions: [] };
    s.count++;
    s.executions.push(t);
    s.retries = Math.max(s.retries, ((context.retry_task_policy || {}).retry_no) || 0);
    const withItems = context.with_items;
    if (withItems && withItems.count !== undefined) {
      s.items = (s.items || 0) + withItems.count;
      s.itemsDone += doneByTask.get(t.id) || 0;
    }
    if (!s.latest || t.created_at >= s.latest.created_at) s.latest = t;
    s.state = s.latest.state;
    byName.set(t.name, s);
  }
  return byName;
}

export function executionView(root, id, setCrumbs, notice) {
  let alive = true, timer = null;
  const tasks = new Map(), actions = new Map();
  let execution = null, specGraph = null, graph = null, definition = null, allowed = {}, selected = null;
  let lastTaskUpdate = null, lastActionUpdate = null, drawnGraphFacts = null;
  let drawnButtonsFor = null;

  const summaryBox = el("div", { class: "summary", id: "summary" });
  const actionBox = el("div", { class: "actions", id: "actions" });
  const graphBox = el("div", { class: "graph-box", id: "graph" });
  const timelineBox = el("div", { class: "timeline-box", id: "timeline" });
  const detailsBox = el("div", { id: "details" }, "Click a task in the graph or the timeline.");
  const definitionBox = el("pre", { class: "definition mono", id: "definition" });
  root.replaceChildren(summaryBox, actionBox,
    el("section", {}, el("h3", {}, "Graph"), graphBox),
    el("section", {}, el("h3", {}, "Timeline"), timelineBox),
    el("div", { class: "columns" },
      el("section", {}, el("h3", {}, "Task"), detailsBox),
      el("section", {}, el("h3", {}, "Definition"), definitionBox)));
  const timeline = new Timeline(timelineBox, (task) => selectTask(task.name, task.id));

  async function act(what, call) {
    try {
      await call();
      notice(what + ": done");
      refresh();
    } catch (e) {
      notice(what + (e.status === 403 ? ": not allowed (" + e.message + ")" : ": " + e.message), true);
    }
  }

  function drawSummary() {
    const items = [el("span", {}, "Workflow ", el("b", {}, execution.workflow_name)),
      el("span", {}, "State ", stateBadge(execution.state)),
      el("span", { class: "mono" }, "Created " + execution.created_at),
      el("span", { class: "mono" }, "Updated " + (execution.updated_at || "")),
      el("span", { id: "task-count" }, tasks.size + " task executions")];
    if (execution.task_execution_id) {
      items.push(el("a", { href: "#/tasks/" + execution.task_execution_id + "/parent" }, "parent execution"));
    }
    if (execution.state_info) items.push(el("span", { class: "mono" }, "Info: " + execution.state_info));
    summaryBox.replaceChildren(...items);
    if (drawnButtonsFor === execution.state) return;
    drawnButtonsFor = execution.state;
    const buttons = [];
    if (allowed["executions:update"]) {
      const change = (label, state) => el("button", { type: "button", "data-action": label.toLowerCase(),
        onclick: () => act(label, () => api.put("../v2/executions/" + id, { state })) }, label);
      if (execution.state === "RUNNING") buttons.push(change("Pause", "PAUSED"));
      if (execution.state === "PAUSED") buttons.push(change("Resume", "RUNNING"));
      if (execution.state === "RUNNING" || execution.state === "PAUSED") buttons.push(change("Cancel", "CANCELLED"));
    }
    actionBox.replaceChildren(...buttons);
  }

  function drawDefinition() {
    if (definition === null) { definitionBox.textContent = "(definition not available)"; return; }
    const failed = new Set();
    for (const t of tasks.values()) if (t.state === "ERROR") failed.add(t.name);
    const failedLines = new Set();
    for (const task of graph.tasks) {
      if (!failed.has(task.name) || !task.lines) continue;
      for (let n = task.lines[0]; n <= task.lines[1]; n++) failedLines.add(n);
    }
    definitionBox.replaceChildren(...definition.split("\n").map((text, i) =>
      el("span", { class: "line" + (failedLines.has(i + 1) ? " failed" : ""), "data-line": i + 1 },
        el("span", { class: "ln" }, i + 1), text + "\n")));
    const first = definitionBox.querySelector(".failed");
    if (first) definitionBox.scrollTop = first.offsetTop - definitionBox.offsetTop - 20;
  }

  function draw() {
    if (!alive) return;
    const taskList = [...tasks.values()], actionList = [...actions.values()];
    drawSummary();
    graph = specGraph || namesOnlyGraph([...new Set(taskList.map((t) => t.name))]);
    const summaries = summarize(taskList, actionList);
    let shown = graph;
    const unknown = [...summaries.keys()].filter((n) => !graph.tasks.some((t) => t.name === n));
    if (unknown.length) shown = { ...graph, tasks: graph.tasks.concat(unknown.map((name) => ({ name, lines: null }))) };
    // Redrawn only when what it shows changed: a refresh of a long run
    // keeps the same elements (and the reader's place) most of the time.
    const graphFacts = JSON.stringify([shown.tasks.length, [...summaries].map(([name, s]) =>
      [name, s.state, s.count, s.retries, s.items, s.itemsDone])]);
    if (graphFacts !== drawnGraphFacts) {
      drawnGraphFacts = graphFacts;
      renderGraph(graphBox, shown, summaries, (name) => selectTask(name));
      if (selected) graphBox.querySelector(`.node[data-task="${CSS.escape(selected)}"]`)?.classList.add("selected");
      drawDefinition();
    }
    timeline.update(taskList, actionList, Date.now());
    document.body.dataset.execution = id;
    document.body.dataset.loaded = execution.state + ":" + tasks.size;
  }

  async function selectTask(name, taskId) {
    selected = name;
    graphBox.querySelectorAll(".node.selected").forEach((n) => n.classList.remove("selected"));
    graphBox.querySelector(`.node[data-task="${CSS.escape(name)}"]`)?.classList.add("selected");
    const runs = [...tasks.values()].filter((t) => t.name === name)
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    if (!runs.length) { detailsBox.replaceChildren(el("p", {}, name + ": not run.")); return; }
    const task = taskId ? tasks.get(taskId) : runs[0];
    detailsBox.replaceChildren(el("p", {}, "Loading " + name + "..."));
    try {
      const [full, actionPage, children] = await Promise.all([
        api.get("../v2/tasks/" + task.id),
        api.get("../v2/tasks/" + task.id + "/action_executions" + api.query({ limit: 100 })),
        task.type === "WORKFLOW" ? api.get("../v2/executions" + api.query({
          task_execution_id: task.id, fields: "id,workflow_name,state", limit: 100 })) : null]);
      if (selected !== name) return;
      detailsBox.replaceChildren(taskDetails(full, runs, actionPage, children));
    } catch (e) {
      detailsBox.replaceChildren(el("p", {}, "Could not read the task: " + e.message));
    }
  }

  function taskDetails(full, runs, actionPage, children) {
    const actionRows = (actionPage.action_executions || []).map((a) => el("details", { class: "action-ex" },
      el("summary", {}, a.name + " ", stateBadge(a.state), " ", el("span", { class: "mono" }, a.created_at + " → " + (a.updated_at || ""))),
      el("dl", { class: "details" }, el("dt", {}, "input"), el("dd", {}, el("pre", {}, pretty(a.input))),
        el("dt", {}, "output"), el("dd", {}, el("pre", {}, pretty(a.output))),
        a.state_info ? [el("dt", {}, "state_info"), el("dd", {}, el("pre", {}, a.state_info))] : null)));
    const dl = el("dl", { class: "details", "data-task-id": full.id },
      el("dt", {}, "task"), el("dd", {}, el("b", {}, full.name), " ", stateBadge(full.state)),
      el("dt", {}, "id"), el("dd", { class: "mono" }, full.id),
      el("dt", {}, "times"), el("dd", { class: "mono" }, full.created_at + " → " + (full.updated_at || "")),
      el("dt", {}, "state_info"), el("dd", {}, el("pre", { class: "state-info" }, full.state_info || "")),
      el("dt", {}, "input"), el("dd", {}, actionRows.length
        ? el("pre", {}, pretty((actionPage.action_executions[0] || {}).input)) : "(see the action executions)"),
      el("dt", {}, "result"), el("dd", {}, el("pre", { class: "result" }, pretty(full.result))),
      el("dt", {}, "published"), el("dd", {}, el("pre", { class: "published" }, pretty(full.published))));
    const parts = [dl];
    if (children && (children.executions || []).length) {
      parts.push(el("p", { class: "children" }, "Sub-workflow: ", ...children.executions.map((c) =>
        el("a", { href: "#/executions/" + c.id, class: "child-link" }, c.workflow_name + " (" + c.state + ") "))));
    }
    if (allowed["tasks:update"] && full.state === "ERROR" && execution.state === "ERROR") {
      parts.push(el("button", { type: "button", "data-action": "rerun",
        onclick: () => act("Rerun " + full.name, () => api.put("../v2/tasks/" + full.id,
          { state: "RUNNING", reset: true })) }, "Rerun this task"));
    }
    parts.push(el("h4", {}, "Action executions" + (actionPage.next ? " (first 100)" : "")),
      ...(actionRows.length ? actionRows : [el("p", {}, "None.")]));
    if (runs.length > 1) {
      parts.push(el("h4", {}, runs.length + " executions of " + full.name),
        el("ul", {}, runs.slice(0, 50).map((r) => el("li", {}, el("a", { href: "javascript:void 0",
          onclick: () => selectTask(r.name, r.id) }, r.created_at), " ", stateBadge(r.state)))));
    }
    return el("div", {}, parts);
  }

  function remember(map, rows) {
    let latest = null;
    for (const row of rows) {
      map.set(row.id, row);
      if (!latest || (row.updated_at || "") > latest) latest = row.updated_at;
    }
    return latest;
  }

  // Rows updated since `since` (all of them the first time), page by page.
  async function readRows(path, collection, params, since, map) {
    const filter = since ? { updated_at: "gte:" + since } : {};
    const rows = await api.getAll(path, collection, { ...params, ...filter, limit: PAGE });
    return remember(map, rows);
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      execution = await api.get("../v2/executions/" + id);
      const taskLatest = await readRows("../v2/tasks", "tasks",
        { workflow_execution_id: id, fields: TASK_FIELDS }, lastTaskUpdate, tasks);
      const actionLatest = await readRows("../v2/action_executions", "action_executions",
        { workflow_name: execution.workflow_name, created_at: "gte:" + execution.created_at, fields: ACTION_FIELDS },
        lastActionUpdate, actions);
      for (const [key, a] of actions) if (!tasks.has(a.task_execution_id)) actions.delete(key);
      lastTaskUpdate = taskLatest || lastTaskUpdate;
      lastActionUpdate = actionLatest || lastActionUpdate;
    } catch (e) {
      if (alive) notice(e.message, true);
      return;
    }
    if (!alive) return;
    draw();
    if (!FINISHED.has(execution.state)) {
      timer = setTimeout(refresh, tasks.size > 1000 ? 5000 : 2000);
    }
  }

  async function start() {
    try {
      execution = await api.get("../v2/executions/" + id);
    } catch (e) {
      notice(e.message, true);
      return;
    }
    setCrumbs([execution.workflow_name, id]);
    try {
      allowed = await api.permissions(execution.project_id);
    } catch (e) {
      allowed = {};
    }
    try {
      const answer = await workflowGraph(execution.workflow_id);
      definition = answer.definition;
      specGraph = answer.graph;
    } catch (e) {
      notice("The workflow's graph is not available: " + e.message);
    }
    await refresh();
  }

  start();
  return () => { alive = false; clearTimeout(timer); };
}
