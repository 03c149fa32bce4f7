/**
 * The part of the chat page's script that turns a renderable (a JSON Schema
 * form) into an HTML form and sends the user's answer back.
 *
 * @module
 */

/**
 * Defines `buildForm(interaction, onAnswer)` in the page: string, number,
 * integer, boolean and enum properties, `required`, defaults from
 * `value_json`, and one button per allowed action.
 */
export const FORM_SCRIPT = `
function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function parseJson(text, fallback) {
  try { return text ? JSON.parse(text) : fallback; } catch (e) { return fallback; }
}

function inputFor(prop, initial, required) {
  var input;
  if (Array.isArray(prop.enum)) {
    input = document.createElement("select");
    if (!required || initial === undefined) input.append(new Option(required ? "Choose…" : "", ""));
    prop.enum.forEach(function (v) { input.append(new Option(String(v), JSON.stringify(v))); });
    if (initial !== undefined) input.value = JSON.stringify(initial);
    return input;
  }
  input = document.createElement("input");
  if (prop.type === "number" || prop.type === "integer") {
    input.type = "number";
    input.step = prop.type === "integer" ? "1" : "any";
    if (prop.minimum !== undefined) input.min = String(prop.minimum);
    if (prop.maximum !== undefined) input.max = String(prop.maximum);
  } else {
    var formats = { email: "email", date: "date", uri: "url", "date-time": "datetime-local" };
    input.type = formats[prop.format] || "text";
    if (prop.maxLength) input.maxLength = prop.maxLength;
    if (prop.pattern) input.pattern = prop.pattern;
  }
  if (initial !== undefined && initial !== null) input.value = String(initial);
  return input;
}

function readValue(prop, input) {
  if (prop.type === "boolean") return input.checked;
  if (input.value === "") return undefined;
  if (Array.isArray(prop.enum)) return JSON.parse(input.value);
  if (prop.type === "number" || prop.type === "integer") return Number(input.value);
  return input.value;
}

function buildForm(interaction, onAnswer) {
  var schema = parseJson(interaction.data_schema_json, {}) || {};
  var values = parseJson(interaction.value_json, {}) || {};
  var props = schema.properties || {};
  var required = Array.isArray(schema.required) ? schema.required : [];
  var form = el("form", "form-card");
  form.noValidate = false;
  if (interaction.message || schema.title) form.append(el("p", "", interaction.message || schema.title));
  var fields = [];
  Object.keys(props).forEach(function (name) {
    var prop = props[name] || {};
    var isRequired = required.indexOf(name) >= 0;
    var initial = values[name] !== undefined ? values[name] : prop.default;
    var label = prop.title || name;
    var wrap;
    var input;
    if (prop.type === "boolean") {
      wrap = el("label", "field check");
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = initial === true;
      wrap.append(input, el("span", "", label));
    } else {
      wrap = el("label", "field");
      var caption = el("span", "", label);
      if (isRequired) caption.append(el("span", "req", "*"));
      input = inputFor(prop, initial, isRequired);
      input.required = isRequired;
      wrap.append(caption, input);
    }
    if (prop.description) wrap.append(el("small", "", prop.description));
    input.name = name;
    fields.push({ name: name, prop: prop, input: input });
    form.append(wrap);
  });
  var allowed = interaction.allowed_actions && interaction.allowed_actions.length
    ? interaction.allowed_actions : ["submit"];
  var actions = el("div", "form-actions");
  var buttons = [];
  ["decline", "cancel"].forEach(function (action) {
    if (allowed.indexOf(action) < 0) return;
    var b = el("button", "", action === "cancel" ? "Cancel" : "Decline");
    b.type = "button";
    b.addEventListener("click", function () { answer(action, undefined); });
    buttons.push(b);
    actions.append(b);
  });
  if (allowed.indexOf("submit") >= 0) {
    var submit = el("button", "primary", "Submit");
    submit.type = "submit";
    buttons.push(submit);
    actions.append(submit);
  }
  form.append(actions);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    var content = {};
    fields.forEach(function (f) {
      var v = readValue(f.prop, f.input);
      if (v !== undefined) content[f.name] = v;
    });
    answer("submit", content);
  });
  function answer(action, content) {
    form.dataset.answered = action;
    fields.forEach(function (f) { f.input.disabled = true; });
    buttons.forEach(function (b) { b.disabled = true; });
    onAnswer(action, content).then(function (ok) {
      var note = ok ? (action === "submit" ? "Submitted" : action === "cancel" ? "Cancelled" : "Declined") : "Could not send the answer";
      actions.replaceChildren(el("span", "meta", note));
    });
  }
  return form;
}
`;
