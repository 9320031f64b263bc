// A reader for the part of YAML that workflow definitions use: block
// mappings and sequences, plain/quoted scalars, block scalars (| and >),
// flow collections ([a, b], {a: b}) and comments. Every mapping remembers
// the lines each of its keys spans (mapping.__lines[key] = [first, last],
// 1-based) so that a task can be highlighted in the definition text.
// Anything it cannot read raises an Error; the page then shows the
// definition without a graph.

function stripComment(text) {
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === "'" || c === '"') {
      if (i === 0 || /[\s:\[{,\-]/.test(text[i - 1])) quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i).replace(/\s+$/, "");
    }
  }
  return text.replace(/\s+$/, "");
}

function splitLines(source) {
  return source.split(/\r?\n/).map((raw, index) => {
    const text = stripComment(raw);
    const indent = text.length - text.replace(/^ +/, "").length;
    return { raw, number: index + 1, indent, text: text.slice(indent) };
  });
}

// The position of the ": " (or final ":") that ends a mapping key, or -1.
function keyEnd(text) {
  let quote = null;
  if (text[0] === "[" || text[0] === "{") return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if ((c === "'" || c === '"') && i === 0) { quote = c; continue; }
    if (c === ":" && (i === text.length - 1 || text[i + 1] === " ")) return i;
  }
  return -1;
}

export function scalar(text) {
  const t = text.trim();
  if (t === "" || t === "~" || t === "null") return null;
  if (t === "true" || t === "True") return true;
  if (t === "false" || t === "False") return false;
  if (/^-?\d+$/.test(t)) return parseInt(t, 10);
  if (/^-?\d*\.\d+$/.test(t)) return parseFloat(t);
  if (t[0] === '"' && t.endsWith('"') && t.length > 1) {
    return t.slice(1, -1).replace(/\\"/g, '"').replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
  }
  if (t[0] === "'" && t.endsWith("'") && t.length > 1) return t.slice(1, -1).replace(/''/g, "'");
  if (t[0] === "[" || t[0] === "{") return flow(t);
  return t;
}

// [a, {b: c}] and {a: [b]}: split on the commas of the outer level.
function flow(text) {
  const open = text[0], close = open === "[" ? "]" : "}";
  if (!text.endsWith(close)) throw new Error("unclosed " + open);
  const inner = text.slice(1, -1);
  const parts = [];
  let depth = 0, quote = null, start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) { parts.push(inner.slice(start, i)); start = i + 1; }
  }
  parts.push(inner.slice(start));
  const items = parts.map((p) => p.trim()).filter((p) => p !== "");
  if (open === "[") return items.map(scalar);
  const mapping = {};
  for (const item of items) {
    const end = keyEnd(item);
    if (end < 0) mapping[scalar(item)] = null;
    else mapping[scalar(item.slice(0, end))] = scalar(item.slice(end + 1));
  }
  return mapping;
}

class Reader {
  constructor(source) {
    this.lines = splitLines(source);
    this.i = 0;
  }

  skipBlank() {
    while (this.i < this.lines.length &&
           (this.lines[this.i].text === "" || this.lines[this.i].text === "---")) this.i++;
  }

  peek() { this.skipBlank(); return this.lines[this.i]; }

  isItem(line) { return line.text === "-" || line.text.startsWith("- "); }

  block(indent) {
    const line = this.peek();
    if (!line || line.indent < indent) return null;
    return this.isItem(line) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  // A block scalar's text: the lines indented deeper than `indent`.
  blockScalar(indent, folded) {
    const body = [];
    let bodyIndent = null;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      const blank = line.raw.trim() === "";
      const rawIndent = line.raw.length - line.raw.replace(/^ +/, "").length;
      if (!blank && rawIndent <= indent) break;
      if (!blank && bodyIndent === null) bodyIndent = rawIndent;
      body.push(blank ? "" : line.raw.slice(bodyIndent));
      this.i++;
    }
    while (body.length && body[body.length - 1] === "") body.pop();
    return body.join(folded ? " " : "\n") + "\n";
  }

  // A plain scalar may go on over deeper-indented lines.
  continued(text, indent) {
    let value = text;
    for (;;) {
      const line = this.peek();
      if (!line || line.indent <= indent || keyEnd(line.text) >= 0 || this.isItem(line)) break;
      value += " " + line.text;
      this.i++;
    }
    return value;
  }

  value(rest, indent, line) {
    if (/^[|>][-+0-9]*$/.test(rest)) return this.blockScalar(indent, rest[0] === ">");
    if (rest === "") {
      const next = this.peek();
      if (next && (next.indent > indent || (next.indent === indent && this.isItem(next)))) {
        return this.block(next.indent);
      }
      return null;
    }
    return scalar(this.continued(rest, indent));
  }

  mapping(indent) {
    const mapping = {};
    const lines = {};
    Object.defineProperty(mapping, "__lines", { value: lines, enumerable: false });
    let line = this.peek();
    while (line && line.indent === indent && !this.isItem(line)) {
      const end = keyEnd(line.text);
      if (end < 0) throw new Error("line " + line.number + ": expected 'key: value'");
      const key = scalar(line.text.slice(0, end));
      this.i++;
      mapping[key] = this.value(line.text.slice(end + 1).trim(), indent, line);
      let lastIndex = Math.max(this.i - 1, 0);
      while (lastIndex > 0 && this.lines[lastIndex].raw.trim() === "") lastIndex--;
      const last = this.lines[lastIndex].number;
      lines[key] = [line.number, Math.max(line.number, last)];
      line = this.peek();
    }
    if (line && line.indent > indent) throw new Error("line " + line.number + ": bad indentation");
    return mapping;
  }

  sequence(indent) {
    const items = [];
    let line = this.peek();
    while (line && line.indent === indent && this.isItem(line)) {
      this.i++;
      const rest = line.text.slice(1).replace(/^ +/, "");
      const offset = line.text.length - rest.length;
      if (rest === "") items.push(this.block(indent + 1));
      else if (keyEnd(rest) >= 0) {
        // "- key: value" opens a mapping indented where its key starts.
        const inner = { raw: line.raw, number: line.number, indent: indent + offset, text: rest };
        this.i--;
        this.lines[this.i] = inner;
        items.push(this.mapping(inner.indent));
      } else items.push(scalar(this.continued(rest, indent)));
      line = this.peek();
    }
    return items;
  }
}

export function parse(source) {
  const reader = new Reader(source);
  const value = reader.block(0);
  const rest = reader.peek();
  if (rest) throw new Error("line " + rest.number + ": unexpected text");
  return value;
}
