// The migration workflow as a graph, drawn from the real ASL file (served from the jar as
// schema-migration.asl.json): one box per top-level state, ranked by longest path from StartAt, the happy path in
// the middle column, failure handling beside it. Catch edges are dashed; an edge back up (the paused job's polling
// loop) is dotted and ignored by the ranking. No library: SVG built by hand.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const W = 232, H = 40, COL = 272, ROW = 64, PAD = 16;

  function edges(states) {
    const out = [];
    for (const [name, s] of Object.entries(states)) {
      if (s.Next) out.push({ from: name, to: s.Next, kind: "next" });
      if (s.Default) out.push({ from: name, to: s.Default, kind: "next" });
      for (const c of s.Choices || []) out.push({ from: name, to: c.Next, kind: "next" });
      for (const c of s.Catch || []) out.push({ from: name, to: c.Next, kind: "catch" });
    }
    return markBackEdges(states, out.filter((e) => states[e.to]));
  }

  /** Edges that close a cycle (found by a depth-first walk from every state): drawn, but not ranked. */
  function markBackEdges(states, es) {
    const from = {};
    for (const e of es) (from[e.from] = from[e.from] || []).push(e);
    const state = {}; // 1: on the walk's stack, 2: done
    const visit = (n) => {
      state[n] = 1;
      for (const e of from[n] || []) {
        if (state[e.to] === 1) e.back = true;
        else if (!state[e.to]) visit(e.to);
      }
      state[n] = 2;
    };
    for (const n of Object.keys(states)) if (!state[n]) visit(n);
    return es;
  }

  /**
   * The states a job passed, with the Choice, Pass and Wait states between two reported ones filled in (the API
   * names the Task and Map states it can tell from the job; the little ones between them are implied).
   */
  function complete(states, es, visited) {
    const out = visited.slice(0, 1);
    for (let i = 1; i < visited.length; i++) {
      const a = visited[i - 1], b = visited[i];
      if (!es.some((e) => e.from === a && e.to === b)) {
        // Breadth-first from a to b through small states only.
        const prev = { [a]: null };
        const queue = [a];
        while (queue.length && !(b in prev)) {
          const n = queue.shift();
          for (const e of es) {
            if (e.from !== n || e.back || e.kind === "catch" || e.to in prev) continue;
            const t = states[e.to] && states[e.to].Type;
            if (e.to !== b && t !== "Choice" && t !== "Pass" && t !== "Wait") continue;
            prev[e.to] = n;
            queue.push(e.to);
          }
        }
        if (b in prev) {
          const between = [];
          for (let n = prev[b]; n !== a && n !== null; n = prev[n]) between.unshift(n);
          out.push(...between);
        }
      }
      out.push(b);
    }
    return out;
  }

  function layout(asl) {
    const states = asl.States;
    const es = edges(states);
    // The file's first state routes drift scans away from migrations (its Default): a job's diagram starts there,
    // and only the states reachable from it are drawn.
    const first = states[asl.StartAt];
    const start = first && first.Type === "Choice" && first.Default ? first.Default : asl.StartAt;
    // Longest path rank (the workflow is acyclic; a guard stops a malformed cycle).
    const rank = { [start]: 0 };
    for (let pass = 0; pass < Object.keys(states).length; pass++) {
      let changed = false;
      for (const e of es) {
        if (e.back) continue;
        if (rank[e.from] !== undefined && (rank[e.to] === undefined || rank[e.to] < rank[e.from] + 1)) {
          rank[e.to] = rank[e.from] + 1;
          changed = true;
        }
      }
      if (!changed) break;
    }
    // The happy path: Next (or a Choice's first branch) from StartAt.
    const main = new Set();
    for (let n = start; n && states[n] && !main.has(n);) {
      main.add(n);
      const s = states[n];
      n = s.Next || (s.Choices && s.Choices[0] && s.Choices[0].Next);
    }
    const used = {};
    const pos = {};
    const order = Object.keys(states).filter((n) => rank[n] !== undefined).sort((a, b) => rank[a] - rank[b]);
    for (const n of order) {
      const r = rank[n];
      used[r] = used[r] || new Set();
      let col = 1;
      if (!main.has(n)) col = [2, 0, 3].find((c) => !used[r].has(c));
      used[r].add(col);
      pos[n] = { x: PAD + col * COL, y: PAD + r * ROW, col, rank: r };
    }
    const cols = Math.max(...Object.values(pos).map((p) => p.col)) + 1;
    const rows = Math.max(...Object.values(pos).map((p) => p.rank)) + 1;
    return { states, es, pos, width: PAD * 2 + (cols - 1) * COL + W, height: PAD * 2 + (rows - 1) * ROW + H };
  }

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /**
   * @param asl     the parsed ASL document
   * @param visited the state names the job passed through, in order; the last is where it is (or ended)
   * @param outcome "running", "ok" or "bad": how the current state is coloured
   */
  function render(asl, reported, outcome) {
    const g = layout(asl);
    const visited = complete(g.states, g.es, reported);
    const current = visited[visited.length - 1];
    const seen = new Set(visited);
    const taken = new Set();
    for (let i = 1; i < visited.length; i++) taken.add(visited[i - 1] + "\u0000" + visited[i]);
    const svg = el("svg", { viewBox: `0 0 ${g.width} ${g.height}`, role: "img",
      "aria-label": `Migration workflow, ${Object.keys(g.pos).length} states; current step: ${current}` });
    const defs = el("defs");
    for (const [id, color] of [["arrow", "#9aa3ad"], ["arrow-catch", "#d08b84"], ["arrow-taken", "#3b6fd1"]]) {
      const m = el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
      m.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
      defs.appendChild(m);
    }
    svg.appendChild(defs);
    for (const e of g.es) {
      const a = g.pos[e.from], b = g.pos[e.to];
      if (!a || !b) continue;
      const isTaken = taken.has(e.from + "\u0000" + e.to);
      if (e.back) {
        // Up from the top of the later state into the right side of the earlier one, beside the boxes between.
        const x1 = a.x + W / 2, y1 = a.y, x2 = b.x + W, y2 = b.y + H / 2;
        svg.appendChild(el("path", { class: "edge loop" + (isTaken ? " taken" : ""),
          d: `M${x1},${y1} C${x1},${y2} ${x1},${y2} ${x2},${y2}`, "marker-end": `url(#${isTaken ? "arrow-taken" : "arrow"})` }));
        continue;
      }
      const x1 = a.x + W / 2 + (b.col - a.col) * 30, y1 = a.y + H, x2 = b.x + W / 2 + (a.col - b.col) * 30, y2 = b.y;
      const dy = Math.max(24, (y2 - y1) / 2);
      const cls = "edge " + (isTaken ? "taken" : e.kind === "catch" ? "catch" : "");
      const marker = isTaken ? "arrow-taken" : e.kind === "catch" ? "arrow-catch" : "arrow";
      svg.appendChild(el("path", { class: cls, d: `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`,
        "marker-end": `url(#${marker})` }));
    }
    for (const [name, p] of Object.entries(g.pos)) {
      const s = g.states[name];
      let cls = "node";
      if (s.Type === "Map") cls += " map";
      if (seen.has(name)) cls += " visited";
      if (name === current) cls += " current " + (outcome || "");
      const node = el("g", { class: cls.trim(), "data-state": name });
      if (name === current) node.setAttribute("aria-current", "step");
      const rx = s.Type === "Choice" ? 18 : s.Type === "Succeed" || s.Type === "Fail" ? 20 : 6;
      node.appendChild(el("rect", { class: "outer", x: p.x, y: p.y, width: W, height: H, rx }));
      if (s.Type === "Map") node.appendChild(el("rect", { x: p.x + 3, y: p.y + 3, width: W - 6, height: H - 6, rx: 4 }));
      node.appendChild(el("text", { x: p.x + W / 2, y: p.y + 17, "text-anchor": "middle" }, name));
      const inner = s.Type === "Map" && s.ItemProcessor ? `Map: ${s.ItemProcessor.StartAt}` : s.Type;
      node.appendChild(el("text", { class: "kind", x: p.x + W / 2, y: p.y + 31, "text-anchor": "middle" }, inner));
      node.appendChild(el("title", {}, s.Comment ? `${name}: ${s.Comment}` : name));
      svg.appendChild(node);
    }
    return svg;
  }

  window.Diagram = { render, layout, complete };
})();
