// The timeline: one row per task execution, its bar from created_at to
// updated_at in the task's state colour, and under it a thinner bar for
// each of its action executions (retries show as several, waits as gaps).
// Drawn on a canvas, only the rows in view: 10,000 rows cost no DOM.

import { colorOf, FINISHED } from "./states.js";
import { parseTime } from "./api.js";

export const ROW_H = 22, AXIS_H = 24, LABEL_W = 170, VIEW_H = 360;
// What an instant (the API's times are whole seconds) is drawn as.
const MIN_W = 3;

function niceStep(spanMs, pixels) {
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 3e4, 6e4,
    12e4, 3e5, 6e5, 18e5, 36e5, 72e5, 216e5, 432e5, 864e5];
  const wanted = spanMs / Math.max(1, pixels / 90);
  return steps.find((s) => s >= wanted) || steps[steps.length - 1];
}

function label(ms) {
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms % 1000 ? 1 : 0) + " s";
  if (ms < 3600000) {
    const seconds = Math.round((ms % 60000) / 1000);
    return Math.floor(ms / 60000) + " min" + (seconds ? " " + seconds + " s" : "");
  }
  return (ms / 3600000).toFixed(1) + " h";
}

export class Timeline {
  // container: an element to fill; onSelect(taskEx) on a click on a row.
  constructor(container, onSelect) {
    this.rows = [];
    this.actionsByTask = new Map();
    this.onSelect = onSelect;
    this.scroll = document.createElement("div");
    this.scroll.className = "timeline-scroll";
    this.canvas = document.createElement("canvas");
    this.canvas.dataset.testid = "timeline";
    this.spacer = document.createElement("div");
    this.scroll.append(this.canvas, this.spacer);
    container.replaceChildren(this.scroll);
    this.scroll.addEventListener("scroll", () => this.schedule());
    this.canvas.addEventListener("click", (event) => this.click(event));
    this.pending = false;
  }

  // rows: task executions (id, name, state, created_at, updated_at);
  // actions: action executions (task_execution_id, state, times).
  update(rows, actions, now) {
    this.now = now;
    this.rows = rows.map((t) => ({ task: t, start: parseTime(t.created_at),
      end: FINISHED.has(t.state) ? parseTime(t.updated_at) || now : now }))
      .sort((a, b) => a.start - b.start || (a.task.name < b.task.name ? -1 : 1));
    this.actionsByTask = new Map();
    for (const a of actions) {
      const list = this.actionsByTask.get(a.task_execution_id) || [];
      list.push({ state: a.state, start: parseTime(a.created_at),
        end: FINISHED.has(a.state) ? parseTime(a.updated_at) || now : now });
      this.actionsByTask.set(a.task_execution_id, list);
    }
    this.t0 = Math.min(...this.rows.map((r) => r.start).filter((v) => v), now);
    let t1 = this.t0 + 1;
    for (const r of this.rows) t1 = Math.max(t1, r.end);
    for (const list of this.actionsByTask.values()) for (const a of list) t1 = Math.max(t1, a.end);
    this.t1 = t1;
    this.canvas.dataset.rows = String(this.rows.length);
    this.spacer.style.height = Math.max(0, AXIS_H + this.rows.length * ROW_H - VIEW_H) + "px";
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  // Whole pixels: a bar's edges are sharp, never blended into the
  // background.
  xOf(t, width) {
    return Math.round(LABEL_W + (t - this.t0) / (this.t1 - this.t0) * (width - LABEL_W - 10));
  }

  draw() {
    const width = this.scroll.clientWidth || 800;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== width * ratio || this.canvas.height !== VIEW_H * ratio) {
      this.canvas.width = width * ratio;
      this.canvas.height = VIEW_H * ratio;
      this.canvas.style.width = width + "px";
      this.canvas.style.height = VIEW_H + "px";
    }
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, VIEW_H);
    ctx.font = "12px system-ui, sans-serif";
    const top = this.scroll.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_H));
    const last = Math.min(this.rows.length, first + Math.ceil((VIEW_H - AXIS_H) / ROW_H) + 1);
    const step = niceStep(this.t1 - this.t0, width - LABEL_W);
    ctx.strokeStyle = "#eaeef2";
    for (let t = 0; this.t0 + t <= this.t1; t += step) {
      const x = this.xOf(this.t0 + t, width);
      ctx.beginPath(); ctx.moveTo(x, AXIS_H); ctx.lineTo(x, VIEW_H); ctx.stroke();
    }
    for (let i = first; i < last; i++) {
      const row = this.rows[i];
      const y = AXIS_H + i * ROW_H - top;
      ctx.fillStyle = "#1f2328";
      ctx.fillText(row.task.name.slice(0, 24), 4, y + 14);
      const x1 = this.xOf(row.start, width), x2 = this.xOf(row.end, width);
      ctx.fillStyle = colorOf(row.task.state);
      ctx.fillRect(x1, y + 3, Math.max(MIN_W, x2 - x1), 10);
      for (const a of this.actionsByTask.get(row.task.id) || []) {
        const ax1 = this.xOf(a.start, width), ax2 = this.xOf(a.end, width);
        ctx.fillStyle = colorOf(a.state);
        // A pixel apart: an attempt that starts as the one before ends
        // (a retry) stays a bar of its own.
        ctx.fillRect(ax1, y + 15, Math.max(MIN_W, ax2 - ax1 - 1), 5);
      }
    }
    // The axis last, over rows scrolled under it.
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, AXIS_H);
    ctx.fillStyle = "#57606a";
    ctx.strokeStyle = "#d0d7de";
    ctx.beginPath(); ctx.moveTo(LABEL_W, AXIS_H - 1); ctx.lineTo(width, AXIS_H - 1); ctx.stroke();
    for (let t = 0; this.t0 + t <= this.t1; t += step) {
      const x = this.xOf(this.t0 + t, width);
      ctx.fillText(label(t), x + 2, 15);
    }
    ctx.fillText(this.rows.length + " task executions", 4, 15);
  }

  click(event) {
    const rect = this.canvas.getBoundingClientRect();
    const y = event.clientY - rect.top + this.scroll.scrollTop - AXIS_H;
    const row = this.rows[Math.floor(y / ROW_H)];
    if (y >= 0 && row) this.onSelect(row.task);
  }
}
