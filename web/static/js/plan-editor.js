// The plan editor, made quicker with a script; every part of it works without one (issue 18 item 5).
// 1. The activity type list shows only the chosen category's types (the server refuses a mismatch anyway).
// 2. While a schedule row is typed, the running totals say what the plan would come to with it.
const form = document.getElementById("main-form");
const select = form && form.querySelector("select[data-category-groups]");
const totals = document.getElementById("running-totals");

function chosenCategory() {
  const checked = form.querySelector('input[name="category"]:checked');
  return checked ? checked.value : null;
}

function narrowTypes() {
  const category = chosenCategory();
  if (!select || !category) return;
  const chosenText = select.value;
  let keep = null;
  for (const group of select.querySelectorAll("optgroup")) {
    const mine = group.dataset.category === category;
    group.hidden = !mine;
    group.disabled = !mine;
    if (mine && chosenText) {
      keep = [...group.querySelectorAll("option")].find((o) => o.value === chosenText) || null;
    }
  }
  if (keep) keep.selected = true;
  else if (chosenText) select.value = "";
}

function number(name) {
  const input = form.querySelector(`[name="${name}"]`);
  const value = input ? parseFloat(input.value) : NaN;
  return Number.isFinite(value) ? value : null;
}

function minutes(name) {
  const input = form.querySelector(`[name="${name}"]`);
  const m = input && /^(\d{1,2}):(\d{2})$/.exec(input.value.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

function previewRow() {
  const preview = document.getElementById("running-preview");
  if (!totals || !preview || form.querySelector('input[name="row"]')) return;
  const paHours = parseFloat(totals.dataset.paHours) || 4;
  const weeks = (form.querySelector('input[name="weeks"]:checked') || {}).value || "every";
  const factor = { every: 1, alternate: 0.5, monthly: 12 / 52 }[weeks] || 1;
  let pas = number("pas");
  if (pas === null) {
    const hours = number("hours");
    const start = minutes("start");
    const end = minutes("end");
    if (hours !== null) pas = hours / paHours;
    else if (start !== null && end !== null && end > start) pas = (end - start) / 60 / paHours;
  }
  const category = chosenCategory();
  if (pas === null || !category) {
    preview.textContent = "";
    preview.classList.add("nhsuk-u-visually-hidden");
    return;
  }
  const add = pas * factor;
  const round = (v) => Math.round(v * 100) / 100;
  const cell = totals.querySelector(`[data-category="${category}"]`);
  const inCategory = cell ? parseFloat(cell.textContent) + add : add;
  const total = (parseFloat(totals.dataset.totalPas) || 0) + add;
  const contract = parseFloat(totals.dataset.contractedPas);
  let text = `With this row: ${category} ${round(inCategory)} PAs, ${round(total)} PAs in all`;
  if (Number.isFinite(contract)) {
    const diff = round(total - contract);
    text += diff === 0 ? ", exactly the contract." : diff > 0 ? `, ${diff} more than the contract.` : `, ${-diff} fewer than the contract.`;
  } else {
    text += ".";
  }
  preview.textContent = text + " (Not saved yet.)";
  preview.classList.remove("nhsuk-u-visually-hidden");
}

if (form) {
  form.addEventListener("change", () => { narrowTypes(); previewRow(); });
  form.addEventListener("input", previewRow);
  narrowTypes();
}
