// The graph of a workflow: one node per task of the spec, one edge per
// transition (on-success / on-error / on-complete / on-skip, or a reverse
// workflow's requires), the task's join, with-items and retry. The server
// reads the definition (/ui/graph, with the parser the engine runs) and
// says on which lines each task is written.

import * as api from "./api.js";

// {definition, graph: {tasks: [{name, join, withItems, retry, workflow,
// action, lines}], edges: [{from, to, kind}], type}} of a workflow;
// `lines` are the task's first and last line in the definition (1-based).
export const workflowGraph = (workflowId) =>
  api.get("graph" + api.query({ workflow_id: workflowId }));

// A graph of just the task names seen, for a definition we cannot read.
export function namesOnlyGraph(names) {
  return { tasks: names.map((name) => ({ name, lines: null })), edges: [], type: "unknown" };
}
