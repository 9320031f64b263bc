// The graph of a workflow, from its definition: one node per task of the
// spec, one edge per transition (on-success / on-error / on-complete, or a
// reverse workflow's requires), the task's join, with-items and retry.

import { parse } from "./yaml.js";

// Transitions that are engine commands, not tasks.
const COMMANDS = new Set(["fail", "succeed", "pause", "noop"]);
const KINDS = ["on-success", "on-error", "on-complete"];
const RESERVED = new Set(["version", "name", "description", "tags", "workflows", "actions"]);

// Target task names of one on-* clause, in its every form: "t", "t args",
// ["t", {t: cond}], {next: [...], publish: ...}.
export function targets(clause) {
  if (clause === null || clause === undefined) return [];
  if (typeof clause === "string") {
    const name = clause.trim().split(/\s+/)[0];
    return name && !COMMANDS.has(name) ? [name] : [];
  }
  if (Array.isArray(clause)) return clause.flatMap(targets);
  if (typeof clause === "object") {
    if ("next" in clause || "publish" in clause) return targets(clause.next);
    return Object.keys(clause).flatMap(targets);
  }
  return [];
}

// The workflow `name` (or "workbook.name") in a parsed definition.
function findWorkflow(doc, name) {
  if (!doc || typeof doc !== "object") return null;
  const short = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : name;
  const holders = [doc.workflows || {}, doc];
  for (const holder of holders) {
    for (const key of [name, short]) {
      if (holder[key] && typeof holder[key] === "object" && holder[key].tasks) {
        return { wf: holder[key], holder, key };
      }
    }
  }
  const candidates = Object.keys(doc).filter((k) => !RESERVED.has(k) && doc[k] && doc[k].tasks);
  return candidates.length === 1 ? { wf: doc[candidates[0]], holder: doc, key: candidates[0] } : null;
}

function joinOf(task) {
  if (task.join === undefined || task.join === null) return null;
  return String(task.join);
}

function withItemsOf(task) {
  return task["with-items"] ? true : false;
}

function retryOf(task) {
  const retry = task.retry;
  if (!retry) return null;
  return typeof retry === "object" ? retry.count : retry;
}

// {tasks: [{name, join, withItems, retry, workflow, action, lines}],
//  edges: [{from, to, kind}], type} or throws when the text is not
// readable. `lines` are the task's lines in the definition (1-based).
export function workflowGraph(definition, workflowName) {
  const found = findWorkflow(parse(definition), workflowName);
  if (!found) throw new Error("workflow " + workflowName + " not found in its definition");
  const wf = found.wf;
  const reverse = wf.type === "reverse";
  const taskLines = wf.tasks.__lines || {};
  const tasks = Object.entries(wf.tasks).map(([name, task]) => {
    task = task || {};
    return {
      name, join: joinOf(task), withItems: withItemsOf(task), retry: retryOf(task),
      workflow: task.workflow || null, action: task.action || null,
      lines: taskLines[name] || null,
    };
  });
  const known = new Set(tasks.map((t) => t.name));
  const edges = [];
  for (const [name, task] of Object.entries(wf.tasks)) {
    if (!task) continue;
    if (reverse) {
      const required = Array.isArray(task.requires) ? task.requires : task.requires ? [task.requires] : [];
      for (const before of required) if (known.has(before)) edges.push({ from: before, to: name, kind: "requires" });
      continue;
    }
    for (const kind of KINDS) {
      for (const to of targets(task[kind])) {
        if (known.has(to)) edges.push({ from: name, to, kind: kind.slice(3) });
      }
    }
  }
  return { tasks, edges, type: reverse ? "reverse" : "direct" };
}

// A graph of just the task names seen, for a definition we cannot read.
export function namesOnlyGraph(names) {
  return { tasks: names.map((name) => ({ name, lines: null })), edges: [], type: "unknown" };
}
