// @ts-check
/**
 * Turns a renderable (a JSON Schema form) into an HTML form and sends the
 * user's answer back: string, number, integer, boolean and enum properties,
 * `required`, defaults from `value`, and one button per action in `actions`.
 */
import { el, parseJson } from "./chat-util.js";

function inputFor(prop, initial, required) {
  let input;
  if (Array.isArray(prop.enum)) {
    input = document.createElement("select");
    if (!required || initial === undefined) input.append(new Option(required ? "Choose…" : "", ""));
    prop.enum.forEach((v) => {
      input.append(new Option(String(v), JSON.stringify(v)));
    });
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
    const formats = { email: "email", date: "date", uri: "url", "date-time": "datetime-local" };
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

// The schema and the values arrive as JSON objects; an agent's text that was not JSON arrives as a string.
function asObject(v) {
  const value = typeof v === "string" ? parseJson(v, {}) : v;
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

export function buildForm(interaction, onAnswer) {
  const schema = asObject(interaction.dataSchema);
  const values = asObject(interaction.value);
  const props = schema.properties || {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const form = el("form", "form-card");
  form.noValidate = false;
  if (interaction.message || schema.title)
    form.append(el("p", "", interaction.message || schema.title));
  const fields = [];
  Object.keys(props).forEach((name) => {
    const prop = props[name] || {};
    const isRequired = required.indexOf(name) >= 0;
    const initial = values[name] !== undefined ? values[name] : prop.default;
    const label = prop.title || name;
    let wrap;
    let input;
    if (prop.type === "boolean") {
      wrap = el("label", "field check");
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = initial === true;
      wrap.append(input, el("span", "", label));
    } else {
      wrap = el("label", "field");
      const caption = el("span", "", label);
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
  const allowed = interaction.actions?.length ? interaction.actions : ["submit"];
  const actions = el("div", "form-actions");
  const buttons = [];
  ["decline", "cancel"].forEach((action) => {
    if (allowed.indexOf(action) < 0) return;
    const b = el("button", "", action === "cancel" ? "Cancel" : "Decline");
    b.type = "button";
    b.addEventListener("click", () => {
      answer(action, undefined);
    });
    buttons.push(b);
    actions.append(b);
  });
  if (allowed.indexOf("submit") >= 0) {
    const submit = el("button", "primary", "Submit");
    submit.type = "submit";
    buttons.push(submit);
    actions.append(submit);
  }
  form.append(actions);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const content = {};
    fields.forEach((f) => {
      const v = readValue(f.prop, f.input);
      if (v !== undefined) content[f.name] = v;
    });
    answer("submit", content);
  });
  function answer(action, content) {
    form.dataset.answered = action;
    fields.forEach((f) => {
      f.input.disabled = true;
    });
    buttons.forEach((b) => {
      b.disabled = true;
    });
    onAnswer(action, content).then((ok) => {
      const note = ok
        ? action === "submit"
          ? "Submitted"
          : action === "cancel"
            ? "Cancelled"
            : "Declined"
        : "Could not send the answer";
      actions.replaceChildren(el("span", "meta", note));
    });
  }
  return form;
}
