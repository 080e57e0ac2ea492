/* dlbook-figure.js: the book's interactive figures (dlbook.interactive), in SVG.
   Each figure is a <div class="dlbook-figure"> holding its data as
   <script type="application/json">: precomputed frames, one per setting of its
   controls (sliders, selects), each a set of series (line, scatter, bar) and an optional
   heat-map grid, plus a text readout. Nothing is computed here but the drawing.
   No dependency; the site ships it once as a static file, notebooks inline it. */
(() => {
  "use strict";
  if (window.dlbookFigure) {
    window.dlbookFigure.renderAll();
    return;
  }
  const NS = "http://www.w3.org/2000/svg";
  const STYLE = `
.dlbook-figure{--dlf-fg:#222;--dlf-muted:#666;--dlf-grid:#ddd;--dlf-bg:#fff;
--dlf-c0:#0072B2;--dlf-c1:#D55E00;--dlf-c2:#009E73;--dlf-c3:#CC79A7;--dlf-c4:#E69F00;--dlf-c5:#555;
--dlf-pos:0,114,178;--dlf-neg:213,94,0;
color:var(--dlf-fg);background:var(--dlf-bg);max-width:100%;padding:.5rem;border-radius:.25rem;
font:14px/1.4 system-ui,sans-serif;text-align:left;box-sizing:border-box}
html[data-theme=dark] .dlbook-figure{--dlf-fg:#e6e6e6;--dlf-muted:#b0b0b0;--dlf-grid:#444;--dlf-bg:#1b1f24;
--dlf-c0:#56B4E9;--dlf-c1:#F0A050;--dlf-c2:#3CC9A0;--dlf-c3:#E69AC8;--dlf-c4:#F0E442;--dlf-c5:#bbb;
--dlf-pos:86,180,233;--dlf-neg:240,160,80}
.dlbook-figure svg{display:block;width:100%;height:auto;overflow:visible}
.dlbook-figure .dlf-controls{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;margin:.2rem 0 .4rem}
.dlbook-figure .dlf-control{display:flex;align-items:center;gap:.5rem;flex:1 1 14rem;min-width:0}
.dlbook-figure .dlf-control label{white-space:nowrap}
.dlbook-figure .dlf-control input[type=range]{flex:1 1 auto;min-width:6rem;accent-color:var(--dlf-c0)}
.dlbook-figure .dlf-control select{background:var(--dlf-bg);color:var(--dlf-fg);border:1px solid var(--dlf-muted);border-radius:.2rem;padding:.1rem .3rem;font:inherit}
.dlbook-figure .dlf-control input:focus-visible,.dlbook-figure .dlf-control select:focus-visible{outline:3px solid var(--dlf-c0);outline-offset:2px}
.dlbook-figure output{font-variant-numeric:tabular-nums;min-width:3.5em}
.dlbook-figure .dlf-readout{margin:.3rem 0 0;font-variant-numeric:tabular-nums}
.dlbook-figure .dlf-legend{display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:12px;color:var(--dlf-muted);margin:0;padding:0;list-style:none}
.dlbook-figure .dlf-legend i{display:inline-block;width:1.4em;height:0;border-top:3px solid;vertical-align:middle;margin-right:.3em}
.dlbook-figure .dlf-legend i.dlf-dot{width:.6em;height:.6em;border:0;border-radius:50%}
.dlbook-figure .dlf-fallback{display:none}
.dlbook-figure text{fill:var(--dlf-fg)}
.dlbook-figure .dlf-axis{stroke:var(--dlf-muted);fill:none}
.dlbook-figure .dlf-gridline{stroke:var(--dlf-grid);fill:none}`;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceTicks(lo, hi, n) {
    const span = hi - lo;
    if (!(span > 0)) return [lo];
    const raw = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) || raw;
    const out = [];
    for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
      out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return out;
  }

  function tickLabel(t, log) {
    if (log) return "1e" + Math.round(t);
    const a = Math.abs(t);
    if (a !== 0 && (a >= 1e4 || a < 1e-3)) return t.toExponential(0);
    return String(Number(t.toPrecision(6)));
  }

  function color(i) {
    return `var(--dlf-c${i % 6})`;
  }

  class Figure {
    constructor(root) {
      this.root = root;
      this.spec = JSON.parse(root.querySelector("script[type='application/json']").textContent);
      const s = this.spec;
      this.index = (s.controls || []).map((c) => c.initial || 0);
      this.W = s.width || 520;
      this.H = s.height || 320;
      // Text keeps about 11 px on screen when a narrow page shrinks the drawing.
      const shown = Math.min(this.W, root.clientWidth || this.W);
      this.fs = Math.max(12, Math.min(20, (11 * this.W) / Math.max(shown - 16, 150)));
      const f = this.fs / 12;
      this.m = { l: 14 + 44 * f, r: 12, t: 12, b: 22 + 22 * f };
      this.build();
      this.update();
      root.classList.add("dlf-ready");
    }

    build() {
      const s = this.spec;
      const root = this.root;
      const fallback = root.querySelector(".dlf-fallback-img");
      if (fallback) fallback.classList.add("dlf-fallback");
      root.style.maxWidth = this.W + 16 + "px";
      const uid = "dlf" + Math.random().toString(36).slice(2, 9);
      const controls = document.createElement("div");
      controls.className = "dlf-controls";
      this.inputs = [];
      (s.controls || []).forEach((c, k) => {
        const wrap = document.createElement("div");
        wrap.className = "dlf-control";
        const label = document.createElement("label");
        const id = `${uid}-c${k}`;
        label.htmlFor = id;
        label.textContent = c.label;
        wrap.appendChild(label);
        let input;
        if (c.kind === "select") {
          input = document.createElement("select");
          c.values.forEach((v, i) => {
            const o = document.createElement("option");
            o.value = String(i);
            o.textContent = v;
            input.appendChild(o);
          });
          input.value = String(this.index[k]);
          input.addEventListener("change", () => this.set(k, Number(input.value)));
          wrap.appendChild(input);
        } else {
          input = document.createElement("input");
          input.type = "range";
          input.min = "0";
          input.max = String(c.values.length - 1);
          input.step = "1";
          input.value = String(this.index[k]);
          input.addEventListener("input", () => this.set(k, Number(input.value)));
          const out = document.createElement("output");
          out.htmlFor = id;
          wrap.appendChild(input);
          wrap.appendChild(out);
          input._out = out;
        }
        input.id = id;
        input.dataset.control = String(k);
        this.inputs.push(input);
        controls.appendChild(wrap);
      });
      root.appendChild(controls);

      const svg = el("svg", {
        viewBox: `0 0 ${this.W} ${this.H}`,
        role: "img",
        "aria-labelledby": `${uid}-title`,
        "font-size": this.fs,
        preserveAspectRatio: "xMidYMid meet",
      });
      el("title", { id: `${uid}-title` }, svg).textContent = s.alt || "";
      const clip = el("clipPath", { id: `${uid}-clip` }, el("defs", {}, svg));
      const { l, r, t, b } = this.m;
      el("rect", { x: l, y: t, width: this.W - l - r, height: this.H - t - b }, clip);
      this.axes = el("g", {}, svg);
      this.grid = el("g", { "clip-path": `url(#${uid}-clip)` }, svg);
      this.statics = el("g", { "clip-path": `url(#${uid}-clip)` }, svg);
      this.layer = el("g", { "clip-path": `url(#${uid}-clip)`, class: "dlf-frame" }, svg);
      root.appendChild(svg);
      this.svg = svg;
      this.drawAxes();
      for (const series of s.static || []) this.drawSeries(series, this.statics);

      const styles = (s.styles || []).filter((st) => st.label);
      if (styles.length) {
        const legend = document.createElement("ul");
        legend.className = "dlf-legend";
        for (const st of styles) {
          const li = document.createElement("li");
          const key = document.createElement("i");
          if (st.kind === "scatter" || st.kind === "bar") key.className = "dlf-dot";
          key.style.borderColor = color(st.color || 0);
          key.style.background = st.kind === "line" || st.hollow ? "none" : color(st.color || 0);
          if (st.hollow) key.style.border = `2px solid ${color(st.color || 0)}`;
          if (st.dash) key.style.borderTopStyle = "dashed";
          li.appendChild(key);
          li.appendChild(document.createTextNode(st.label));
          legend.appendChild(li);
        }
        root.appendChild(legend);
      }
      const readout = document.createElement("p");
      readout.className = "dlf-readout";
      readout.setAttribute("aria-live", "polite");
      root.appendChild(readout);
      this.readout = readout;
    }

    sx(x) {
      const [x0, x1] = this.spec.x_range;
      return this.m.l + ((x - x0) / (x1 - x0)) * (this.W - this.m.l - this.m.r);
    }

    sy(y) {
      let [y0, y1] = this.spec.y_range;
      if (this.spec.log_y) {
        y = Math.log10(Math.max(y, 1e-300));
        y0 = Math.log10(y0);
        y1 = Math.log10(y1);
      }
      const v = this.H - this.m.b - ((y - y0) / (y1 - y0)) * (this.H - this.m.t - this.m.b);
      return Math.max(-1e4, Math.min(1e4, v));
    }

    drawAxes() {
      const s = this.spec;
      const g = this.axes;
      const { l, r, t, b } = this.m;
      const [x0, x1] = s.x_range;
      const xticks = s.x_ticks || niceTicks(x0, x1, 6).map((v) => [v, tickLabel(v)]);
      for (const [v, text] of xticks) {
        const x = this.sx(v);
        el("line", { x1: x, x2: x, y1: t, y2: this.H - b, class: "dlf-gridline" }, g);
        const label = el("text", { x, y: this.H - b + 4 + this.fs, "text-anchor": "middle" }, g);
        label.textContent = text;
      }
      let [y0, y1] = s.y_range;
      let yticks;
      if (s.log_y) {
        const lo = Math.ceil(Math.log10(y0));
        const hi = Math.floor(Math.log10(y1));
        const every = Math.max(1, Math.ceil((hi - lo + 1) / 7));
        yticks = [];
        for (let e = lo; e <= hi; e += every) yticks.push([Math.pow(10, e), tickLabel(e, true)]);
      } else {
        yticks = niceTicks(y0, y1, 5).map((v) => [v, tickLabel(v)]);
      }
      for (const [v, text] of yticks) {
        const y = this.sy(v);
        el("line", { x1: l, x2: this.W - r, y1: y, y2: y, class: "dlf-gridline" }, g);
        const label = el("text", { x: l - 6, y: y + this.fs / 3, "text-anchor": "end" }, g);
        label.textContent = text;
      }
      el("rect", { x: l, y: t, width: this.W - l - r, height: this.H - t - b, class: "dlf-axis" }, g);
      if (s.x_label) {
        const xl = el("text", { x: (l + this.W - r) / 2, y: this.H - 6, "text-anchor": "middle" }, g);
        xl.textContent = s.x_label;
      }
      if (s.y_label) {
        const cy = (t + this.H - b) / 2;
        const at = this.fs + 2;
        const yl = el("text", { x: at, y: cy, "text-anchor": "middle", transform: `rotate(-90 ${at} ${cy})` }, g);
        yl.textContent = s.y_label;
      }
    }

    drawGrid(grid, g) {
      const [x0, x1] = this.spec.x_range;
      const [y0, y1] = this.spec.y_range;
      const rows = grid.length;
      const cols = grid[0].length;
      const w = (this.sx(x1) - this.sx(x0)) / cols;
      const h = (this.sy(y0) - this.sy(y1)) / rows;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const v = grid[i][j]; // in [-1, 1]; row 0 is the lowest y
          const rgb = v >= 0 ? "var(--dlf-pos)" : "var(--dlf-neg)";
          el("rect", {
            x: this.sx(x0) + j * w,
            y: this.sy(y0) - (i + 1) * h,
            width: w + 0.5,
            height: h + 0.5,
            style: `fill:rgba(${rgb},${(0.45 * Math.min(1, Math.abs(v))).toFixed(3)})`,
          }, g);
        }
      }
    }

    drawSeries(series, g) {
      const st = Object.assign({}, (this.spec.styles || [])[series.s] || {}, series);
      const c = color(st.color || 0);
      const xs = series.x;
      const ys = series.y;
      if (st.kind === "scatter") {
        const group = el("g", { "data-series": st.label || "" }, g);
        for (let i = 0; i < xs.length; i++) {
          if (xs[i] === null || ys[i] === null) continue;
          const attrs = { cx: this.sx(xs[i]), cy: this.sy(ys[i]), r: st.size || 4 };
          if (st.hollow) Object.assign(attrs, { fill: "none", stroke: c, "stroke-width": 2 });
          else Object.assign(attrs, { fill: c, stroke: "var(--dlf-bg)", "stroke-width": 0.8 });
          el("circle", attrs, group);
        }
      } else if (st.kind === "bar") {
        const group = el("g", { "data-series": st.label || "" }, g);
        const half = ((st.width || 0.7) / 2) * Math.abs(this.sx(1) - this.sx(0));
        for (let i = 0; i < xs.length; i++) {
          const y = this.sy(ys[i]);
          const base = this.sy(this.spec.log_y ? this.spec.y_range[0] : 0);
          el("rect", {
            x: this.sx(xs[i]) - half,
            y: Math.min(y, base),
            width: 2 * half,
            height: Math.abs(base - y),
            fill: c,
            "data-value": ys[i],
          }, group);
        }
      } else {
        let d = "";
        let pen = false;
        for (let i = 0; i < xs.length; i++) {
          if (xs[i] === null || ys[i] === null) {
            pen = false;
            continue;
          }
          d += (pen ? "L" : "M") + this.sx(xs[i]).toFixed(1) + " " + this.sy(ys[i]).toFixed(1);
          pen = true;
        }
        const attrs = { d, fill: "none", stroke: c, "stroke-width": st.line_width || 2.2 };
        if (st.dash) attrs["stroke-dasharray"] = "6 4";
        if (st.opacity) attrs["stroke-opacity"] = st.opacity;
        el("path", attrs, g).dataset.series = st.label || "";
        if (st.markers) {
          for (let i = 0; i < xs.length; i++) {
            if (xs[i] === null || ys[i] === null) continue;
            el("circle", { cx: this.sx(xs[i]), cy: this.sy(ys[i]), r: st.markers, fill: c }, g);
          }
        }
      }
    }

    frameIndex() {
      let i = 0;
      (this.spec.controls || []).forEach((c, k) => {
        i = i * c.values.length + this.index[k];
      });
      return i;
    }

    set(k, value) {
      this.index[k] = value;
      this.update();
    }

    update() {
      const s = this.spec;
      s.controls.forEach((c, k) => {
        const input = this.inputs[k];
        const text = String(c.values[this.index[k]]);
        if (input._out) {
          input._out.textContent = text;
          input.setAttribute("aria-valuetext", text);
        }
      });
      const frame = s.frames[this.frameIndex()];
      while (this.layer.firstChild) this.layer.removeChild(this.layer.firstChild);
      while (this.grid.firstChild) this.grid.removeChild(this.grid.firstChild);
      if (frame.grid) this.drawGrid(frame.grid, this.grid);
      for (const series of frame.series || []) this.drawSeries(series, this.layer);
      this.readout.textContent = frame.text || "";
      this.root.dataset.frame = String(this.frameIndex());
    }
  }

  function renderAll() {
    for (const root of document.querySelectorAll(".dlbook-figure:not(.dlf-ready)")) {
      try {
        root._figure = new Figure(root);
      } catch (err) {
        console.warn("dlbook-figure:", err);
      }
    }
  }

  const style = document.createElement("style");
  style.textContent = STYLE;
  document.head.appendChild(style);
  window.dlbookFigure = { renderAll, Figure };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderAll);
  else renderAll();
})();
