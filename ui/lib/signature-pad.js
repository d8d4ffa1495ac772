// The client's signature, drawn with a finger, pen or mouse on an <svg> (Pointer Events), or
// made from the typed name for people who cannot or would rather not draw (keyboard
// alternative). The result is a standalone SVG that holds nothing but stroked paths, so it
// passes the core's attachment allow-list (crates/core/src/consent/attachment.rs): no <text>, no style, no
// references — only svg/title/path with viewBox/width/height/version/d/fill/stroke attributes.

const SVG_NS = "http://www.w3.org/2000/svg";

/** The drawing area, in SVG user units. */
export const PAD_WIDTH = 600;
export const PAD_HEIGHT = 200;
/** Where the visible baseline (the "sign here" line) sits. */
export const PAD_BASELINE = 150;

const INK = "#000000";
const INK_WIDTH = 3;
/** Points closer than this (user units) to the previous one are dropped. */
const MIN_STEP = 0.8;
/** Guards against runaway input: far below the core's 1 MiB limit. */
const MAX_POINTS_PER_STROKE = 4000;
const MAX_STROKES = 400;

/** A number rounded to one decimal, as short text ("12", "12.3", never "-0"). */
function num(value) {
  const rounded = Math.round(value * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/**
 * The path data of one stroke: smoothed through the midpoints with quadratic curves; a single
 * point becomes a dot (a zero-length line, drawn as a dot by the round line cap).
 * @param {number[][]} points [[x, y], …]
 * @param {boolean} [smooth] false for straight segments (letters made from a typed name)
 */
export function strokePath(points, smooth = true) {
  if (points.length === 0) return "";
  const [x0, y0] = points[0];
  if (points.length === 1) return `M${num(x0)} ${num(y0)}L${num(x0 + 0.1)} ${num(y0)}`;
  if (points.length === 2 || !smooth) {
    return `M${num(x0)} ${num(y0)}${points.slice(1).map(([x, y]) => `L${num(x)} ${num(y)}`).join("")}`;
  }
  let d = `M${num(x0)} ${num(y0)}`;
  for (let i = 1; i < points.length - 1; i += 1) {
    const [x, y] = points[i];
    const [nx, ny] = points[i + 1];
    d += `Q${num(x)} ${num(y)} ${num((x + nx) / 2)} ${num((y + ny) / 2)}`;
  }
  const [xl, yl] = points[points.length - 1];
  return `${d}L${num(xl)} ${num(yl)}`;
}

/**
 * Strokes (as kept by the pad, or from `snapshot()`) as a standalone SVG document: only <svg>,
 * <title> and <path> elements with allowed attributes, numbers rounded to one decimal.
 * @param {{points: number[][], straight?: boolean}[]} strokes
 */
export function signatureSvg(strokes) {
  const paths = (strokes || [])
    .filter((s) => s.points.length > 0)
    .map((s) => `<path d="${strokePath(s.points, !s.straight)}" fill="none" stroke="${INK}" stroke-width="${INK_WIDTH}" stroke-linecap="round" stroke-linejoin="round"/>`);
  return `<svg xmlns="${SVG_NS}" version="1.1" viewBox="0 0 ${PAD_WIDTH} ${PAD_HEIGHT}" width="${PAD_WIDTH}" height="${PAD_HEIGHT}"><title>Signature</title>${paths.join("")}</svg>`;
}

/** Makes an element in the SVG namespace (document.createElement would make an HTML one). */
export function svgElement(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/**
 * The `<svg id="signature-pad">` the pad draws on, with its guide (a baseline and a cross),
 * which is for the eye only and never part of the signature.
 * @param {object} [attrs] extra attributes (aria-labelledby, aria-describedby…)
 */
export function makePadSvg(attrs = {}) {
  const svg = svgElement("svg", {
    id: "signature-pad",
    class: "signature-pad",
    viewBox: `0 0 ${PAD_WIDTH} ${PAD_HEIGHT}`,
    preserveAspectRatio: "xMidYMid meet",
    role: "application",
    "aria-roledescription": "signature pad",
    ...attrs,
  });
  const guide = svgElement("g", { class: "signature-guide", "aria-hidden": "true" });
  guide.append(
    svgElement("line", { x1: 24, y1: PAD_BASELINE, x2: PAD_WIDTH - 24, y2: PAD_BASELINE }),
    svgElement("path", { d: `M28 ${PAD_BASELINE - 22}l12 12m0 -12l-12 12` }),
  );
  svg.append(guide, svgElement("g", { class: "signature-ink" }));
  return svg;
}

/**
 * A signature pad over an <svg> made by `makePadSvg`.
 *
 * Strokes are kept as data (`{points: [[x, y]…], group}`); `undo()` removes the last stroke (or
 * the whole signature made from a typed name, which is one group); `toSvg()` writes the SVG the
 * consent record keeps.
 */
export class SignaturePad {
  /**
   * @param {SVGSVGElement} svg
   * @param {{onChange?: (pad: SignaturePad) => void}} [options]
   */
  constructor(svg, options = {}) {
    this.svg = svg;
    this.ink = svg.querySelector(".signature-ink") || svg;
    this.onChange = options.onChange || (() => {});
    /** @type {{points: number[][], group: number, straight?: boolean}[]} */
    this.strokes = [];
    this.nextGroup = 1;
    this.active = null; // {pointerId, stroke, path}
    this.sawPointerEvents = false;
    this.mouseActive = false;

    this.handleDown = this.handleDown.bind(this);
    this.handleMove = this.handleMove.bind(this);
    this.handleUp = this.handleUp.bind(this);
    this.handleMouseDown = this.handleMouseDown.bind(this);
    this.handleMouseMove = this.handleMouseMove.bind(this);
    this.handleMouseUp = this.handleMouseUp.bind(this);

    svg.addEventListener("pointerdown", this.handleDown);
    svg.addEventListener("pointermove", this.handleMove);
    svg.addEventListener("pointerup", this.handleUp);
    svg.addEventListener("pointercancel", this.handleUp);
    svg.addEventListener("lostpointercapture", this.handleUp);
    // Fallback for a web view that gives mouse events but no pointer events: used only when a
    // mousedown arrives without a pointerdown before it.
    svg.addEventListener("mousedown", this.handleMouseDown);
    // No scrolling, zooming or text selection while drawing.
    svg.addEventListener("touchstart", (e) => e.preventDefault(), { passive: false });
    svg.addEventListener("dragstart", (e) => e.preventDefault());
  }

  /** Stops listening outside the pad (call when the pad leaves the page). */
  destroy() {
    document.removeEventListener("mousemove", this.handleMouseMove);
    document.removeEventListener("mouseup", this.handleMouseUp);
    this.active = null;
  }

  /** Whether nothing has been drawn. */
  isEmpty() {
    return this.strokes.length === 0;
  }

  /** Removes every stroke. */
  clear() {
    this.active = null;
    this.strokes = [];
    this.render();
    this.onChange(this);
  }

  /** Removes the last stroke (a signature made from a typed name goes as a whole). */
  undo() {
    if (this.strokes.length === 0) return;
    const group = this.strokes[this.strokes.length - 1].group;
    while (this.strokes.length > 0 && this.strokes[this.strokes.length - 1].group === group) {
      this.strokes.pop();
    }
    this.active = null;
    this.render();
    this.onChange(this);
  }

  /** A copy of the strokes, to keep while the pad is off the page. */
  snapshot() {
    return this.strokes.map((s) => ({ ...s, points: s.points.map((p) => [...p]) }));
  }

  /** Puts back strokes from `snapshot()`. */
  restore(strokes) {
    this.strokes = (strokes || []).map((s) => ({ ...s, points: s.points.map((p) => [...p]) }));
    this.nextGroup = this.strokes.reduce((m, s) => Math.max(m, s.group + 1), 1);
    this.render();
    this.onChange(this);
  }

  /**
   * Replaces the drawing with the typed name written in simple strokes (the keyboard
   * alternative). The SVG allow-list refuses text, so the letters are drawn as paths.
   * @param {string} name
   * @returns {boolean} whether anything could be drawn
   */
  fromName(name) {
    const strokes = nameStrokes(name);
    if (strokes.length === 0) return false;
    const group = this.nextGroup++;
    this.active = null;
    this.strokes = strokes.map((points) => ({ group, points, straight: true }));
    this.render();
    this.onChange(this);
    return true;
  }

  /**
   * The signature as a standalone SVG document: only <svg>, <title> and <path> elements with
   * allowed attributes, numbers rounded to one decimal.
   */
  toSvg() {
    return signatureSvg(this.strokes);
  }

  // --- drawing ---------------------------------------------------------------------------

  /** Client (CSS pixel) coordinates to the pad's user units. */
  toPad(clientX, clientY) {
    let x;
    let y;
    const ctm = typeof this.svg.getScreenCTM === "function" ? this.svg.getScreenCTM() : null;
    if (ctm && typeof DOMPoint === "function") {
      const p = new DOMPoint(clientX, clientY).matrixTransform(ctm.inverse());
      x = p.x;
      y = p.y;
    } else {
      const r = this.svg.getBoundingClientRect();
      x = ((clientX - r.left) / (r.width || 1)) * PAD_WIDTH;
      y = ((clientY - r.top) / (r.height || 1)) * PAD_HEIGHT;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    return [Math.min(PAD_WIDTH, Math.max(0, x)), Math.min(PAD_HEIGHT, Math.max(0, y))];
  }

  begin(clientX, clientY, pointerId) {
    if (this.strokes.length >= MAX_STROKES) return false;
    const point = this.toPad(clientX, clientY);
    if (!point) return false;
    const stroke = { group: this.nextGroup++, points: [point] };
    this.strokes.push(stroke);
    const path = this.pathFor(stroke);
    this.ink.append(path);
    this.active = { pointerId, stroke, path };
    this.svg.classList.add("is-drawing");
    return true;
  }

  extend(clientX, clientY) {
    const active = this.active;
    if (!active) return;
    const point = this.toPad(clientX, clientY);
    if (!point) return;
    const points = active.stroke.points;
    const last = points[points.length - 1];
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) < MIN_STEP) return;
    if (points.length >= MAX_POINTS_PER_STROKE) return;
    points.push(point);
    active.path.setAttribute("d", strokePath(points));
  }

  end() {
    if (!this.active) return;
    this.active = null;
    this.svg.classList.remove("is-drawing");
    this.onChange(this);
  }

  handleDown(event) {
    this.sawPointerEvents = true;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (this.active) return; // one stroke at a time (a second finger is ignored)
    event.preventDefault();
    if (!this.begin(event.clientX, event.clientY, event.pointerId)) return;
    try {
      this.svg.setPointerCapture(event.pointerId);
    } catch {
      // Synthetic pointers (e.g. WebDriver) may not be capturable; drawing still works.
    }
  }

  handleMove(event) {
    if (!this.active || this.active.pointerId !== event.pointerId) return;
    event.preventDefault();
    const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    if (events.length > 0) {
      for (const e of events) this.extend(e.clientX, e.clientY);
    } else {
      this.extend(event.clientX, event.clientY);
    }
  }

  handleUp(event) {
    if (!this.active || this.active.pointerId !== event.pointerId) return;
    if (event.type === "pointerup") this.extend(event.clientX, event.clientY);
    try {
      if (this.svg.hasPointerCapture && this.svg.hasPointerCapture(event.pointerId)) {
        this.svg.releasePointerCapture(event.pointerId);
      }
    } catch {
      // Already released.
    }
    this.end();
  }

  handleMouseDown(event) {
    if (this.sawPointerEvents || event.button !== 0 || this.active) return;
    event.preventDefault();
    if (!this.begin(event.clientX, event.clientY, "mouse")) return;
    this.mouseActive = true;
    document.addEventListener("mousemove", this.handleMouseMove);
    document.addEventListener("mouseup", this.handleMouseUp);
  }

  handleMouseMove(event) {
    if (!this.mouseActive) return;
    this.extend(event.clientX, event.clientY);
  }

  handleMouseUp(event) {
    if (!this.mouseActive) return;
    this.extend(event.clientX, event.clientY);
    this.mouseActive = false;
    document.removeEventListener("mousemove", this.handleMouseMove);
    document.removeEventListener("mouseup", this.handleMouseUp);
    this.end();
  }

  pathFor(stroke) {
    return svgElement("path", {
      d: strokePath(stroke.points, !stroke.straight),
      fill: "none",
      stroke: "currentColor",
      "stroke-width": INK_WIDTH,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
    });
  }

  render() {
    this.ink.replaceChildren(...this.strokes.map((s) => this.pathFor(s)));
  }
}

// --- the typed name as strokes ------------------------------------------------------------

// A small single-stroke alphabet: capitals 20 units high (y down, 0 = cap line, 20 = baseline),
// each glyph a width and a list of polylines [x0, y0, x1, y1, …].
const GLYPHS = {
  A: [12, [[0, 20, 6, 0, 12, 20], [2.5, 12, 9.5, 12]]],
  B: [11, [[0, 20, 0, 0, 7, 0, 10, 2, 10, 7, 7, 10, 0, 10], [7, 10, 11, 12, 11, 17, 8, 20, 0, 20]]],
  C: [12, [[12, 3, 9, 0, 4, 0, 1, 3, 0, 8, 0, 12, 1, 17, 4, 20, 9, 20, 12, 17]]],
  D: [12, [[0, 0, 0, 20, 6, 20, 10, 17, 12, 12, 12, 8, 10, 3, 6, 0, 0, 0]]],
  E: [11, [[11, 0, 0, 0, 0, 20, 11, 20], [0, 10, 8, 10]]],
  F: [11, [[11, 0, 0, 0, 0, 20], [0, 10, 8, 10]]],
  G: [12, [[12, 3, 9, 0, 4, 0, 1, 3, 0, 8, 0, 12, 1, 17, 4, 20, 9, 20, 12, 17, 12, 11, 7, 11]]],
  H: [12, [[0, 0, 0, 20], [12, 0, 12, 20], [0, 10, 12, 10]]],
  I: [6, [[0, 0, 6, 0], [3, 0, 3, 20], [0, 20, 6, 20]]],
  J: [10, [[10, 0, 10, 15, 8, 19, 5, 20, 2, 19, 0, 16]]],
  K: [11, [[0, 0, 0, 20], [11, 0, 0, 12], [4, 8, 11, 20]]],
  L: [10, [[0, 0, 0, 20, 10, 20]]],
  M: [14, [[0, 20, 0, 0, 7, 14, 14, 0, 14, 20]]],
  N: [12, [[0, 20, 0, 0, 12, 20, 12, 0]]],
  O: [12, [[6, 0, 2, 2, 0, 7, 0, 13, 2, 18, 6, 20, 10, 18, 12, 13, 12, 7, 10, 2, 6, 0]]],
  P: [11, [[0, 20, 0, 0, 8, 0, 11, 2, 11, 8, 8, 10, 0, 10]]],
  Q: [12, [[6, 0, 2, 2, 0, 7, 0, 13, 2, 18, 6, 20, 10, 18, 12, 13, 12, 7, 10, 2, 6, 0], [7, 15, 13, 21]]],
  R: [11, [[0, 20, 0, 0, 8, 0, 11, 2, 11, 8, 8, 10, 0, 10], [6, 10, 11, 20]]],
  S: [11, [[11, 3, 8, 0, 3, 0, 0, 3, 0, 7, 3, 9, 8, 11, 11, 13, 11, 17, 8, 20, 3, 20, 0, 17]]],
  T: [12, [[0, 0, 12, 0], [6, 0, 6, 20]]],
  U: [12, [[0, 0, 0, 14, 2, 18, 6, 20, 10, 18, 12, 14, 12, 0]]],
  V: [12, [[0, 0, 6, 20, 12, 0]]],
  W: [16, [[0, 0, 4, 20, 8, 6, 12, 20, 16, 0]]],
  X: [12, [[0, 0, 12, 20], [12, 0, 0, 20]]],
  Y: [12, [[0, 0, 6, 10, 12, 0], [6, 10, 6, 20]]],
  Z: [12, [[0, 0, 12, 0, 0, 20, 12, 20]]],
  0: [10, [[5, 0, 1, 3, 0, 10, 1, 17, 5, 20, 9, 17, 10, 10, 9, 3, 5, 0]]],
  1: [10, [[2, 4, 6, 0, 6, 20], [2, 20, 10, 20]]],
  2: [10, [[0, 4, 3, 0, 7, 0, 10, 3, 10, 7, 0, 20, 10, 20]]],
  3: [10, [[0, 2, 3, 0, 7, 0, 10, 3, 10, 7, 6, 10, 10, 13, 10, 17, 7, 20, 3, 20, 0, 18], [3, 10, 6, 10]]],
  4: [11, [[8, 20, 8, 0, 0, 14, 11, 14]]],
  5: [10, [[10, 0, 1, 0, 0, 9, 4, 8, 8, 9, 10, 12, 10, 17, 7, 20, 3, 20, 0, 18]]],
  6: [10, [[9, 1, 5, 0, 2, 2, 0, 8, 0, 16, 3, 20, 7, 20, 10, 17, 10, 13, 7, 10, 3, 10, 0, 13]]],
  7: [10, [[0, 0, 10, 0, 3, 20]]],
  8: [10, [[5, 10, 1, 8, 1, 3, 5, 0, 9, 3, 9, 8, 5, 10, 0, 13, 0, 17, 5, 20, 10, 17, 10, 13, 5, 10]]],
  9: [10, [[10, 7, 7, 10, 3, 10, 0, 7, 0, 3, 3, 0, 7, 0, 10, 3, 10, 12, 8, 18, 4, 20, 1, 19]]],
  "-": [8, [[1, 12, 7, 12]]],
  ".": [3, [[1, 20]]],
  ",": [4, [[2, 18, 1, 23]]],
  "'": [3, [[1, 0, 1, 5]]],
  " ": [8, []],
};
/** Drawn for a character outside the alphabet: a small wave, so nothing is silently left out. */
const UNKNOWN = [10, [[0, 14, 2.5, 11, 5, 14, 7.5, 11, 10, 14]]];
const FOLD = { "ß": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th", "’": "'", "‘": "'" };
const SMALL = 0.72; // lower-case letters are drawn as small capitals
const GAP = 4; // space between glyphs, in glyph units
const SLANT = 0.18; // a slight forward lean, like handwriting

/**
 * The strokes (pad coordinates) that write `name` on the pad's baseline.
 * @param {string} name
 * @returns {number[][][]}
 */
export function nameStrokes(name) {
  const text = String(name || "")
    .trim()
    .replace(/\s+/g, " ")
    .replace(/[ßÆæŒœØøŁłĐđÞþ’‘]/g, (c) => FOLD[c])
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .slice(0, 60);
  if (!text) return [];
  // Lay out in glyph units.
  const layout = [];
  let x = 0;
  for (const ch of text) {
    const upper = ch.toUpperCase();
    const small = ch !== upper && upper.length === 1;
    const [width, lines] = GLYPHS[upper] || (/\s/.test(ch) ? GLYPHS[" "] : UNKNOWN);
    const scale = small ? SMALL : 1;
    layout.push({ x, scale, lines });
    x += width * scale + GAP;
  }
  const total = Math.max(1, x - GAP + SLANT * 20);
  // Fit the pad: capitals at most 70 units high, the whole name within the margins.
  const unit = Math.min(3.5, (PAD_WIDTH - 100) / total);
  const left = Math.max(50, (PAD_WIDTH - total * unit) / 2);
  const baseline = PAD_BASELINE - 6;
  const strokes = [];
  for (const glyph of layout) {
    for (const line of glyph.lines) {
      const points = [];
      for (let i = 0; i + 1 < line.length; i += 2) {
        const gx = glyph.x + line[i] * glyph.scale;
        const gy = 20 - (20 - line[i + 1]) * glyph.scale; // small capitals sit on the baseline
        const slanted = gx + (20 - gy) * SLANT;
        points.push([left + slanted * unit, baseline - (20 - gy) * unit]);
      }
      if (points.length > 0) strokes.push(points);
    }
  }
  // A short flourish under the name.
  const end = left + total * unit;
  strokes.push([[left - 6, baseline + 12], [(left + end) / 2, baseline + 9], [end + 6, baseline + 11]]);
  return strokes;
}
