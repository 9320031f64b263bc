// A layered layout of our own: ranks by longest path from the start tasks
// (after setting aside the edges that close a loop), order inside a rank
// by the mean position of the predecessors, left to right.

export const NODE_W = 170, NODE_H = 54, GAP_X = 80, GAP_Y = 26, MARGIN = 20;

// The edges that close a cycle (found by a depth-first walk), so that the
// rest is a DAG to rank.
function backEdges(names, out) {
  const state = new Map();
  const back = new Set();
  const visit = (start) => {
    const stack = [[start, 0]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = out.get(top[0]) || [];
      if (top[1] >= next.length) { state.set(top[0], 2); stack.pop(); continue; }
      const edge = next[top[1]++];
      const s = state.get(edge.to);
      if (s === 1) back.add(edge);
      else if (!s) { state.set(edge.to, 1); stack.push([edge.to, 0]); }
    }
  };
  for (const name of names) if (!state.get(name)) visit(name);
  return back;
}

export function layout(graph) {
  const names = graph.tasks.map((t) => t.name);
  const out = new Map(names.map((n) => [n, []]));
  for (const e of graph.edges) out.get(e.from).push(e);
  const back = backEdges(names, out);
  const forward = graph.edges.filter((e) => !back.has(e));
  const incoming = new Map(names.map((n) => [n, 0]));
  for (const e of forward) incoming.set(e.to, incoming.get(e.to) + 1);
  // Longest path, in topological order (Kahn).
  const rank = new Map(names.map((n) => [n, 0]));
  const ready = names.filter((n) => incoming.get(n) === 0);
  const order = [];
  while (ready.length) {
    const name = ready.shift();
    order.push(name);
    for (const e of out.get(name)) {
      if (back.has(e)) continue;
      rank.set(e.to, Math.max(rank.get(e.to), rank.get(name) + 1));
      incoming.set(e.to, incoming.get(e.to) - 1);
      if (incoming.get(e.to) === 0) ready.push(e.to);
    }
  }
  const layers = [];
  for (const name of order) {
    const r = rank.get(name);
    (layers[r] = layers[r] || []).push(name);
  }
  const position = new Map();
  const preds = new Map(names.map((n) => [n, []]));
  for (const e of forward) preds.get(e.to).push(e.from);
  layers.forEach((layer, r) => {
    if (r > 0) {
      const key = (n) => {
        const p = preds.get(n).map((m) => position.get(m)).filter((v) => v !== undefined);
        return p.length ? p.reduce((a, b) => a + b, 0) / p.length : 0;
      };
      layer.sort((a, b) => key(a) - key(b));
    }
    layer.forEach((name, i) => position.set(name, i));
  });
  const height = Math.max(1, ...layers.map((l) => l.length));
  const nodes = new Map();
  layers.forEach((layer, r) => {
    const offset = (height - layer.length) * (NODE_H + GAP_Y) / 2;
    layer.forEach((name, i) => nodes.set(name, {
      x: MARGIN + r * (NODE_W + GAP_X),
      y: MARGIN + offset + i * (NODE_H + GAP_Y),
    }));
  });
  return {
    nodes, back,
    width: 2 * MARGIN + layers.length * (NODE_W + GAP_X) - GAP_X,
    height: 2 * MARGIN + height * (NODE_H + GAP_Y) - GAP_Y,
  };
}
