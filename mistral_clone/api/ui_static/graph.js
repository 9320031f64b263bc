// The workflow as an SVG graph: one node per task name of the spec,
// coloured by the state of its latest task execution, with counts of
// executions, retries and with-items; labelled transitions.

import { layout, NODE_W, NODE_H } from "./layout.js";
import { colorOf, textColorOf } from "./states.js";

const SVG = "http://www.w3.org/2000/svg";
const EDGE_COLORS = { success: "#2e9e44", error: "#d62828", complete: "#57606a", skip: "#8a63d2", requires: "#57606a" };

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// What a node says under its name: "×3 · retries 2 · items 8/10 · join all".
export function nodeFacts(task, summary) {
  const facts = [];
  if (summary) {
    if (summary.count > 1) facts.push("×" + summary.count);
    if (summary.retries) facts.push("retries " + summary.retries);
    if (summary.items !== null && summary.items !== undefined) {
      facts.push("items " + summary.itemsDone + "/" + summary.items);
    }
  }
  if (task.join) facts.push("join " + task.join);
  if (task.workflow) facts.push("↳ " + task.workflow);
  return facts.join(" · ");
}

function edgePath(from, to, isBack) {
  const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2;
  const x2 = to.x, y2 = to.y + NODE_H / 2;
  if (from === to) {
    // A task that runs itself again: a loop over its top right corner.
    const x = from.x + NODE_W - 40, y = from.y;
    return `M${x},${y} C${x},${y - 26} ${x + 50},${y - 26} ${x + 36},${y}`;
  }
  if (isBack) {
    // Around the top of the nodes, back to the left.
    const top = Math.min(from.y, to.y) - 14;
    return `M${from.x + NODE_W / 2},${from.y} C${from.x + NODE_W / 2},${top} ${to.x + NODE_W / 2},${top} ${to.x + NODE_W / 2},${to.y}`;
  }
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 6},${y2}`;
}

// Draws `graph` (spec.js) into `container`; summaries: Map name -> summary
// (execution.js), onSelect(name) on a click.
export function renderGraph(container, graph, summaries, onSelect) {
  const placed = layout(graph);
  const root = svg("svg", {
    width: Math.max(placed.width, 200), height: Math.max(placed.height, 80),
    "data-testid": "graph",
  });
  const defs = svg("defs", {});
  for (const [kind, color] of Object.entries(EDGE_COLORS)) {
    const marker = svg("marker", { id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 4, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
    defs.append(marker);
  }
  root.append(defs);
  for (const edge of graph.edges) {
    const from = placed.nodes.get(edge.from), to = placed.nodes.get(edge.to);
    const isBack = placed.back.has(edge);
    const d = edgePath(from, to, isBack);
    const group = svg("g", { class: "edge", "data-from": edge.from, "data-to": edge.to, "data-kind": edge.kind });
    group.append(svg("path", { d, fill: "none", stroke: EDGE_COLORS[edge.kind], "stroke-width": 1.5,
      "marker-end": "url(#arrow-" + edge.kind + ")" }));
    const self = edge.from === edge.to;
    const lx = self ? from.x + NODE_W - 15 : isBack ? (from.x + to.x + NODE_W) / 2 : (from.x + NODE_W + to.x) / 2;
    const ly = self ? from.y - 22 : isBack ? Math.min(from.y, to.y) - 4 : (from.y + to.y + NODE_H) / 2 - 3;
    group.append(svg("text", { x: lx, y: ly, "text-anchor": "middle", class: "edge-label" }, edge.kind));
    root.append(group);
  }
  for (const task of graph.tasks) {
    const at = placed.nodes.get(task.name);
    const summary = summaries.get(task.name);
    const state = summary ? summary.state : null;
    const group = svg("g", { class: "node", "data-task": task.name, "data-state": state || "NOT_RUN",
      transform: `translate(${at.x},${at.y})` });
    group.append(svg("rect", { width: NODE_W, height: NODE_H, rx: 6, fill: colorOf(state),
      stroke: "#57606a", "stroke-width": 1 }));
    const color = textColorOf(state);
    group.append(svg("text", { x: 10, y: 20, fill: color, "font-weight": 600 }, task.name));
    group.append(svg("text", { x: 10, y: 38, fill: color, class: "facts" }, nodeFacts(task, summary)));
    const title = svg("title", {}, task.name + (state ? " (" + state + ")" : " (not run)"));
    group.append(title);
    group.addEventListener("click", () => onSelect(task.name));
    root.append(group);
  }
  container.replaceChildren(root);
  return { root, positions: placed.nodes };
}
