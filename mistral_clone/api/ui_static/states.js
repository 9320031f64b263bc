// One colour per state, for the graph, the timeline and the legend (the
// same values as the .state-* classes of style.css).
export const COLORS = {
  SUCCESS: "#2e9e44", ERROR: "#d62828", RUNNING: "#1f6feb", PAUSED: "#d4a017",
  CANCELLED: "#7a7a7a", IDLE: "#c9ced6", WAITING: "#9db4d6", DELAYED: "#b48ad6",
  SKIPPED: "#e0e0e0",
};
export const NOT_RUN = "#f3f4f6";
export const FINISHED = new Set(["SUCCESS", "ERROR", "CANCELLED", "SKIPPED"]);
export const colorOf = (state) => COLORS[state] || NOT_RUN;
// Light states need dark text.
export const textColorOf = (state) =>
  ["IDLE", "SKIPPED", "WAITING", undefined, null].includes(state) || !COLORS[state] ? "#1f2328" : "#ffffff";

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const stateBadge = (state) => el("span", { class: "state state-" + state }, state);
