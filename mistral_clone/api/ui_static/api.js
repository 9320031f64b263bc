// The /v2 API, read from the browser with the caller's token (kept in
// sessionStorage), and the few helpers every view needs to page through it.

const TOKEN_KEY = "mistral-clone-ui-token";
const listeners = [];

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// Called with the API's message whenever it answers 401: the page then
// asks for a (new) token.
export function onUnauthorized(listener) { listeners.push(listener); }

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export async function request(method, path, body) {
  const headers = { "Accept": "application/json" };
  const t = token();
  if (t) headers["X-Auth-Token"] = t;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!response.ok) {
    const message = (data && data.faultstring) || text || response.statusText;
    if (response.status === 401) listeners.forEach((l) => l(message));
    throw new ApiError(response.status, message);
  }
  return data;
}

export const get = (path) => request("GET", path);
export const put = (path, body) => request("PUT", path, body);

export function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
  }
  return parts.length ? "?" + parts.join("&") : "";
}

// The marker of a list answer's `next` link (null on the last page).
export function nextMarker(answer) {
  if (!answer || !answer.next) return null;
  const match = /[?&]marker=([^&]+)/.exec(answer.next);
  return match ? decodeURIComponent(match[1]) : null;
}

// Every row of a list resource, page by page (limit/marker), calling
// onPage(rows so far) after each page so a view can draw as they come.
export async function getAll(path, collection, params, onPage) {
  const rows = [];
  let marker = null;
  for (;;) {
    const answer = await get(path + query({ ...params, marker }));
    rows.push(...(answer[collection] || []));
    if (onPage) onPage(rows);
    marker = nextMarker(answer);
    if (!marker) return rows;
  }
}

// Mistral's times are UTC without a zone: "2026-12-07 14:30:14[.123456]".
export function parseTime(value) {
  if (!value) return null;
  return Date.parse(value.replace(" ", "T") + (/[zZ+]/.test(value.slice(10)) ? "" : "Z"));
}

export function jsonField(value) {
  if (typeof value !== "string") return value || {};
  try { return JSON.parse(value) || {}; } catch (e) { return {}; }
}

// What the caller may do (ui.py answers it from the API's policy rules).
export const permissions = (projectId) =>
  get("permissions" + query({ project_id: projectId }));
