// Regions editor: the answer areas drawn over the blank worksheet (SVG) and the same areas as a
// table. Both edit one list; nothing is stored until "Save areas and key" (PUT …/regions/).
(function () {
  "use strict";
  var dataNode = document.getElementById("editor-data");
  if (!dataNode) return;
  var state = JSON.parse(dataNode.textContent);
  var svg = document.getElementById("regions-svg");
  var layer = document.getElementById("regions-layer");
  var image = document.getElementById("template-image");
  var tbody = document.querySelector("#regions-table tbody");
  var status = document.getElementById("editor-status");
  var NS = "http://www.w3.org/2000/svg";
  var MIN = 8; // smallest area side, in template pixels
  var selected = -1;

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(text, kind) {
    status.hidden = false;
    status.className = "alert alert-" + (kind || "info");
    status.textContent = text;
  }

  function clamp(box) {
    var w = Math.max(MIN, Math.min(Math.round(box[2]), state.width));
    var h = Math.max(MIN, Math.min(Math.round(box[3]), state.height));
    var x = Math.max(0, Math.min(Math.round(box[0]), state.width - w));
    var y = Math.max(0, Math.min(Math.round(box[1]), state.height - h));
    return [x, y, w, h];
  }

  function nextName() {
    var used = state.regions.map(function (r) { return r.name; });
    for (var n = 1; ; n++) if (used.indexOf(String(n)) < 0) return String(n);
  }

  // --- Drawing -----------------------------------------------------------------------------

  function draw() {
    layer.textContent = "";
    state.regions.forEach(function (region, index) {
      var g = document.createElementNS(NS, "g");
      g.setAttribute("class", "area" + (index === selected ? " selected" : ""));
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", "Area " + region.name + " at " + region.box.join(", "));
      g.dataset.index = index;
      var b = region.box;
      var rect = document.createElementNS(NS, "rect");
      rect.setAttribute("class", "box");
      rect.setAttribute("x", b[0]); rect.setAttribute("y", b[1]);
      rect.setAttribute("width", b[2]); rect.setAttribute("height", b[3]);
      var size = Math.max(10, Math.round(state.width / 80));
      var handle = document.createElementNS(NS, "rect");
      handle.setAttribute("class", "handle");
      handle.setAttribute("x", b[0] + b[2] - size); handle.setAttribute("y", b[1] + b[3] - size);
      handle.setAttribute("width", size); handle.setAttribute("height", size);
      var label = document.createElementNS(NS, "text");
      label.setAttribute("x", b[0] + 3); label.setAttribute("y", b[1] + size * 1.6);
      label.setAttribute("font-size", size * 1.6);
      label.textContent = region.name;
      g.appendChild(rect); g.appendChild(handle); g.appendChild(label);
      g.addEventListener("keydown", onAreaKey);
      g.addEventListener("focus", function () { select(index, false); });
      layer.appendChild(g);
    });
  }

  function table() {
    tbody.textContent = "";
    state.regions.forEach(function (region, index) {
      var row = document.createElement("tr");
      if (index === selected) row.className = "table-active";
      row.appendChild(cell(input(index, "name", region.name, "text", "Area " + region.name + " name")));
      row.appendChild(cell(input(index, "answer", region.answer || "", "text", "Area " + region.name + " answer")));
      row.appendChild(cell(input(index, "points", region.points, "number", "Area " + region.name + " points")));
      ["x", "y", "w", "h"].forEach(function (axis, k) {
        row.appendChild(cell(input(index, axis, region.box[k], "number", "Area " + region.name + " " + axis)));
      });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-danger";
      remove.textContent = "Delete";
      remove.setAttribute("aria-label", "Delete area " + region.name);
      remove.addEventListener("click", function () { removeArea(index); });
      row.appendChild(cell(remove));
      tbody.appendChild(row);
    });
  }

  function cell(node) {
    var td = document.createElement("td");
    td.appendChild(node);
    return td;
  }

  function input(index, field, value, type, label) {
    var node = document.createElement("input");
    node.type = type;
    node.value = value;
    node.className = "form-control form-control-sm";
    node.setAttribute("aria-label", label);
    node.dataset.index = index;
    node.dataset.field = field;
    if (type === "number") { node.step = field === "points" ? "0.5" : "1"; node.min = "0"; }
    if (field === "answer") node.inputMode = "decimal";
    node.size = field === "name" || field === "answer" ? 6 : 4;
    node.addEventListener("change", onTableChange);
    return node;
  }

  function onTableChange(event) {
    var node = event.target;
    var region = state.regions[Number(node.dataset.index)];
    var k = ["x", "y", "w", "h"].indexOf(node.dataset.field);
    if (k >= 0) {
      var box = region.box.slice();
      box[k] = Number(node.value) || 0;
      region.box = clamp(box);
    } else if (node.dataset.field === "points") {
      region.points = Number(node.value) || 0;
    } else {
      region[node.dataset.field] = node.value.trim();
    }
    redraw(true);
  }

  function redraw(keepTable) {
    draw();
    if (!keepTable) table();
    else syncTable();
  }

  function syncTable() {
    // Refresh values in place so the focused input keeps its focus.
    if (tbody.rows.length !== state.regions.length) return table();
    Array.prototype.forEach.call(tbody.querySelectorAll("input"), function (node) {
      var region = state.regions[Number(node.dataset.index)];
      var k = ["x", "y", "w", "h"].indexOf(node.dataset.field);
      var value = k >= 0 ? region.box[k] : region[node.dataset.field];
      if (document.activeElement !== node) node.value = value;
    });
  }

  function select(index, focus) {
    selected = index;
    Array.prototype.forEach.call(layer.children, function (g, i) {
      g.classList.toggle("selected", i === index);
    });
    Array.prototype.forEach.call(tbody.rows, function (row, i) {
      row.classList.toggle("table-active", i === index);
    });
    if (focus && layer.children[index]) layer.children[index].focus();
  }

  // --- Editing ------------------------------------------------------------------------------

  function addArea(box) {
    var w = Math.round(state.width / 6), h = Math.round(state.height / 16);
    state.regions.push({ name: nextName(), box: clamp(box || [20, 20, w, h]), answer: "", points: 1 });
    selected = state.regions.length - 1;
    redraw(false);
    say("Area " + state.regions[selected].name + " added (not saved yet).");
    return selected;
  }

  function removeArea(index) {
    var name = state.regions[index].name;
    state.regions.splice(index, 1);
    selected = -1;
    redraw(false);
    say("Area " + name + " deleted (not saved yet).");
    var first = tbody.querySelector("input");
    if (first) first.focus(); else document.getElementById("add-area").focus();
  }

  function renumber() {
    var identity = ["student_id", "name"];
    var pitch = Math.max(1, state.height / 40); // areas within this of each other form a row
    var graded = state.regions.filter(function (r) { return identity.indexOf(r.name) < 0; });
    graded.sort(function (a, b) {
      var row = Math.round(a.box[1] / pitch) - Math.round(b.box[1] / pitch);
      return row || a.box[0] - b.box[0];
    });
    graded.forEach(function (r, i) { r.name = String(i + 1); });
    state.regions = state.regions.filter(function (r) { return identity.indexOf(r.name) >= 0; }).concat(graded);
    selected = -1;
    redraw(false);
    say("Areas renumbered in reading order (not saved yet).");
  }

  function onAreaKey(event) {
    var index = Number(event.currentTarget.dataset.index);
    var region = state.regions[index];
    var step = event.altKey ? 1 : 10;
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      return removeArea(index);
    }
    var move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    var b = region.box.slice();
    if (event.shiftKey) { b[2] += move[0]; b[3] += move[1]; } else { b[0] += move[0]; b[1] += move[1]; }
    region.box = clamp(b);
    draw();
    syncTable();
    select(index, true);
  }

  // --- Pointer: draw, move, resize -----------------------------------------------------------

  function point(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX; p.y = event.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  var drag = null;
  svg.addEventListener("pointerdown", function (event) {
    var g = event.target.closest ? event.target.closest(".area") : null;
    var at = point(event);
    if (g) {
      var index = Number(g.dataset.index);
      var mode = event.target.classList.contains("handle") ? "resize" : "move";
      drag = { mode: mode, index: index, start: at, box: state.regions[index].box.slice() };
      select(index, false);
    } else {
      drag = { mode: "draw", index: -1, start: at, box: [at.x, at.y, 0, 0] };
    }
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var at = point(event);
    var dx = at.x - drag.start.x, dy = at.y - drag.start.y;
    if (drag.mode === "draw") {
      if (drag.index < 0 && Math.abs(dx) > MIN && Math.abs(dy) > MIN) drag.index = addArea(drag.box);
      if (drag.index < 0) return;
      drag.mode = "resize";
      drag.box = [Math.min(drag.start.x, at.x), Math.min(drag.start.y, at.y), 0, 0];
      drag.start = { x: drag.box[0], y: drag.box[1] };
      dx = Math.abs(at.x - drag.start.x); dy = Math.abs(at.y - drag.start.y);
    }
    var b = drag.box.slice();
    if (drag.mode === "move") { b[0] += dx; b[1] += dy; } else { b[2] += dx; b[3] += dy; }
    state.regions[drag.index].box = clamp(b);
    draw();
    syncTable();
  });
  svg.addEventListener("pointerup", function () {
    if (drag && drag.index >= 0) say("Area " + state.regions[drag.index].name + " changed (not saved yet).");
    drag = null;
  });

  // --- Server -------------------------------------------------------------------------------

  function save() {
    var body = JSON.stringify({ regions: state.regions });
    fetch(state.regions_api, {
      method: "PUT", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) return say(errorText(result.data), "danger");
      state.regions = result.data.regions;
      redraw(false);
      say("Saved " + state.regions.length + " answer area(s); the answer key follows them.", "success");
    }).catch(function () { say("Could not reach DigitSight; nothing was saved. Try again.", "danger"); });
  }

  function errorText(data) {
    var messages = [];
    Object.keys(data || {}).forEach(function (key) {
      var value = data[key];
      messages.push(Array.isArray(value) ? value.map(function (v) { return typeof v === "string" ? v : JSON.stringify(v); }).join(" ") : String(value));
    });
    return messages.join(" ") || "The areas were not saved.";
  }

  function upload(event) {
    var form = event.target;
    event.preventDefault();
    say("Uploading and looking for answer areas…");
    fetch(state.template_api, {
      method: "PUT", credentials: "same-origin", body: new FormData(form),
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) return say(errorText(result.data), "danger");
      state.width = result.data.width; state.height = result.data.height;
      state.regions = result.data.regions;
      svg.setAttribute("viewBox", "0 0 " + state.width + " " + state.height);
      image.setAttribute("width", state.width); image.setAttribute("height", state.height);
      image.setAttribute("href", result.data.template_url + "?v=" + Date.now());
      document.getElementById("editor").hidden = false;
      selected = -1;
      redraw(false);
      say(state.regions.length + " answer area(s) proposed. Check them, type the answers, then save.", "success");
    }).catch(function () { say("Could not reach DigitSight; nothing was uploaded. Try again.", "danger"); });
  }

  document.getElementById("template-form").addEventListener("submit", upload);
  document.getElementById("add-area").addEventListener("click", function () {
    var index = addArea();
    var inputs = tbody.rows[index].querySelectorAll("input");
    inputs[1].focus();
  });
  document.getElementById("renumber").addEventListener("click", renumber);
  document.getElementById("save-areas").addEventListener("click", save);
  redraw(false);
})();
