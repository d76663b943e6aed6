// palja playground: calls the palja API with fetch, as a customer's web app
// would, and draws the four pillars as the traditional chart. No build step,
// no dependencies. Every value from the API is written with textContent.
"use strict";

// The five elements (오행) in the API's order, with their traditional colours
// (class names in style.css).
const ELEMENTS = [
  { key: "wood", hangul: "목", hanja: "木" },
  { key: "fire", hangul: "화", hanja: "火" },
  { key: "earth", hangul: "토", hanja: "土" },
  { key: "metal", hangul: "금", hanja: "金" },
  { key: "water", hangul: "수", hanja: "水" },
];
const BY_KEY = Object.fromEntries(ELEMENTS.map((e) => [e.key, e]));

// Heavenly stems (천간) and earthly branches (지지) and their elements.
const STEM_ELEMENT = {
  갑: "wood", 을: "wood", 병: "fire", 정: "fire", 무: "earth",
  기: "earth", 경: "metal", 신: "metal", 임: "water", 계: "water",
};
const STEM_YANG = { 갑: true, 병: true, 무: true, 경: true, 임: true };
const BRANCH_ELEMENT = {
  인: "wood", 묘: "wood", 사: "fire", 오: "fire", 진: "earth", 술: "earth",
  축: "earth", 미: "earth", 신: "metal", 유: "metal", 해: "water", 자: "water",
};
const BRANCH_YANG = { 자: true, 인: true, 진: true, 오: true, 신: true, 술: true };

// Columns right to left, as a chart is read: 시주 일주 월주 연주.
const COLUMNS = [
  { key: "hour", hangul: "시주", hanja: "時柱", en: "hour" },
  { key: "day", hangul: "일주", hanja: "日柱", en: "day" },
  { key: "month", hangul: "월주", hanja: "月柱", en: "month" },
  { key: "year", hangul: "연주", hanja: "年柱", en: "year" },
];

const $ = (sel) => document.querySelector(sel);

// longitude: what the page last sent as birth_longitude (a number, or null
// for none); undefined when it does not know (a profile loaded by id: the
// API never returns the longitude).
const state = { profile: null, etag: null, longitude: undefined };

// The birthplace picker's cities (their value is the longitude).
function placeName(lon) {
  for (const o of document.querySelectorAll('#create-form [name="place"] option')) {
    if (o.value !== "" && o.value !== "other" && Number(o.value) === lon) return o.textContent.split(" ")[0];
  }
  return "";
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function base() {
  return $("#base").value.trim().replace(/\/+$/, "");
}

// ApiError is an answer outside 2xx, with the API's error object.
class ApiError extends Error {
  constructor(status, err) {
    super(err.message || "HTTP " + status);
    this.status = status;
    this.type = err.type || "";
    this.param = err.param || "";
    this.requestId = err.request_id || "";
  }
}

// api sends one request and shows its answer in the "last response" panel.
// opts.form is the form that sent it (an error outlines its fields only);
// opts.followUp marks a request the page makes on its own after the user's
// (the chart's GET …/saju): it is listed under the user's exchange, which
// stays in the panel, and takes the panel over only when it fails.
async function api(method, path, body, headers = {}, opts = {}) {
  const key = $("#key").value.trim();
  const h = { ...headers };
  if (key) h["X-API-Key"] = key;
  const init = { method, headers: h };
  if (body !== undefined) {
    h["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(base() + path, init);
  } catch (e) {
    showNetworkError(method, path, e);
    throw e;
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (opts.followUp && res.ok) showFollowUp(method, path, res);
  else showResponse(method, path, res, text);
  if (!res.ok) {
    const err = new ApiError(res.status, (data && data.error) || {});
    err.retryAfter = res.headers.get("Retry-After") || "";
    showError(err, opts.form);
    throw err;
  }
  return { res, data };
}

// The headers of the panel: the answer's header and the cell showing it.
const HEADERS = [
  ["X-Request-Id", "#h-request-id"],
  ["Location", "#h-location"],
  ["ETag", "#h-etag"],
  ["RateLimit-Limit", "#h-limit"],
  ["RateLimit-Remaining", "#h-remaining"],
  ["RateLimit-Reset", "#h-reset"],
  ["Retry-After", "#h-retry"],
];

// showFollowUp lists a follow-up request under the user's exchange.
function showFollowUp(method, path, res) {
  const f = $("#followup");
  f.textContent = "";
  f.append("이어서 · then ", el("code", "", method + " " + path), " → ", el("strong", "", String(res.status)));
  f.hidden = false;
}

function showResponse(method, path, res, text) {
  const status = $("#status");
  status.textContent = "";
  status.className = "status " + (res.ok ? "ok" : "bad");
  status.append(el("strong", "", res.status + " " + (res.statusText || "")), " ", el("code", "", method + " " + path));
  $("#followup").hidden = true;
  for (const [name, id] of HEADERS) $(id).textContent = res.headers.get(name) || "—";
  $("#body").textContent = text || "(본문 없음 · no body)";
  if (res.ok) {
    $("#error").hidden = true;
    clearInvalid();
  }
}

function showError(err, form) {
  const box = $("#error");
  box.textContent = "";
  box.append(
    el("div", "error-title", err.status + " " + (err.type || "error") + (err.param ? " · " + err.param : "")),
    el("div", "error-message", err.message),
  );
  if (err.requestId) box.append(el("div", "error-id", "request_id " + err.requestId));
  if (err.status === 429) {
    const n = err.retryAfter;
    box.append(el("div", "error-hint", n
      ? `${n}초 후 다시 시도하세요 · retry in ${n} s (Retry-After: ${n})`
      : "잠시 후 다시 시도하세요 · retry later"));
  }
  if (err.status === 412) {
    const hint = el("div", "error-hint", "다른 곳에서 바뀌었습니다. 다시 불러온 뒤 저장하세요 · the profile changed since it was loaded: reload it, then save again. ");
    const reload = el("button", "reload", "다시 불러오기 · Reload");
    reload.type = "button";
    reload.id = "reload";
    reload.addEventListener("click", reloadProfile);
    hint.append(reload);
    box.append(hint);
  }
  box.hidden = false;
  markInvalid(err.param, form);
}

function showNetworkError(method, path, e) {
  const status = $("#status");
  status.className = "status bad";
  status.textContent = "";
  status.append(el("strong", "", "연결 실패 · network error"), " ", el("code", "", method + " " + path));
  // No answer, so none of the previous answer's headers or body.
  $("#followup").hidden = true;
  for (const [, id] of HEADERS) $(id).textContent = "—";
  $("#body").textContent = "(응답 없음 · no response)";
  const box = $("#error");
  box.textContent = "";
  box.append(
    el("div", "error-title", "요청이 서버에 닿지 않았습니다 · the request failed"),
    el("div", "error-message", String(e && e.message ? e.message : e)),
    el("div", "error-hint", "API 주소, 서버, 그리고 다른 출처라면 PALJA_CORS_ORIGINS를 확인하세요 · check the base URL, the server and, across origins, PALJA_CORS_ORIGINS"),
  );
  box.hidden = false;
  clearInvalid();
}

function clearInvalid() {
  for (const e of document.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
}

// markInvalid outlines the inputs named by an error's param, in the form
// that sent the request only (the create form and the edit forms share
// field names).
function markInvalid(param, form) {
  clearInvalid();
  if (!param || !form) return;
  const p = CSS.escape(param);
  const sel = form.id === "create-form"
    ? `[name="${p}"]`
    : form.dataset.field === param ? `[name="value"], [name="other"]:not([hidden])` : `[data-param="${p}"]`;
  for (const e of form.querySelectorAll(sel)) e.setAttribute("aria-invalid", "true");
}

// intOrRaw sends what looks like an integer as a number and anything else as
// typed, so that the API, not the page, says what is wrong with it.
function intOrRaw(s) {
  s = s.trim();
  return /^-?\d+$/.test(s) ? Number(s) : s;
}

// numOrRaw does the same for any decimal number (a longitude).
function numOrRaw(s) {
  s = s.trim();
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s) ? Number(s) : s;
}

// longitudeOf reads a birthplace picker: "" none (null), "other" the free
// input, else the city's longitude.
function longitudeOf(select, other) {
  if (select.value === "") return null;
  if (select.value === "other") return numOrRaw(other.value);
  return Number(select.value);
}

async function createProfile(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = {
    name: f.name.value,
    birth_year: intOrRaw(f.birth_year.value),
    birth_month: intOrRaw(f.birth_month.value),
    birth_day: intOrRaw(f.birth_day.value),
  };
  if (f.hour_unknown.checked) body.birth_hour = null;
  else if (f.birth_hour.value.trim() !== "") {
    body.birth_hour = intOrRaw(f.birth_hour.value);
    if (f.birth_minute.value.trim() !== "") body.birth_minute = intOrRaw(f.birth_minute.value);
  }
  if (f.calendar.value === "lunar") {
    body.calendar = "lunar";
    if (f.is_leap_month.checked) body.is_leap_month = true;
  }
  const lon = longitudeOf(f.place, f.birth_longitude);
  if (lon !== null) body.birth_longitude = lon;
  if (f.day_boundary.value !== "midnight") body.day_boundary = f.day_boundary.value;
  if (f.gender.value) body.gender = f.gender.value;
  if (f.external_id.value.trim() !== "") body.external_id = f.external_id.value.trim();
  try {
    const { res, data } = await api("POST", "/v1/profiles", body, {}, { form: ev.target });
    state.longitude = lon;
    await showProfile(data, res.headers.get("ETag"));
  } catch {
    // shown in the last-response panel
  }
}

async function loadProfile(ev) {
  ev.preventDefault();
  const ref = ev.target.elements.ref.value.trim();
  if (!ref) return;
  try {
    const { res, data } = await api("GET", "/v1/profiles/" + encodeURIComponent(ref), undefined, {}, { form: ev.target });
    state.longitude = undefined; // the API does not say
    await showProfile(data, res.headers.get("ETag"));
  } catch {
    // shown
  }
}

async function saveField(ev) {
  ev.preventDefault();
  if (!state.profile) return;
  const form = ev.target;
  const field = form.dataset.field;
  const input = form.elements.value;
  let value;
  const body = {};
  if ((field === "birth_hour" || field === "birth_minute") && form.elements.unknown.checked) {
    value = null; // clears the birth hour (and the hour pillar and minute), or the minute
  } else if (field === "birth_longitude") {
    value = longitudeOf(input, form.elements.other);
  } else if (field === "calendar") {
    value = input.value;
    // The leap flag goes with the calendar: a leap-month date switched to
    // solar must clear it in the same request.
    body.is_leap_month = form.elements.leap.checked;
  } else if (field.startsWith("birth_")) {
    value = intOrRaw(input.value);
  } else {
    value = input.value;
  }
  body[field] = value;
  const headers = {};
  if ($("#if-match").checked && state.etag) headers["If-Match"] = state.etag;
  try {
    const { res, data } = await api("PUT", "/v1/profiles/" + state.profile.id, body, headers, { form });
    if (field === "birth_longitude") state.longitude = value;
    if (input.tagName === "INPUT") input.value = "";
    await showProfile(data, res.headers.get("ETag"));
  } catch {
    // shown
  }
}

// reloadProfile fetches the profile again (after a 412), with its ETag.
async function reloadProfile() {
  if (!state.profile) return;
  try {
    const { res, data } = await api("GET", "/v1/profiles/" + state.profile.id);
    await showProfile(data, res.headers.get("ETag"));
  } catch {
    // shown
  }
}

// askDelete asks first: Delete shows a confirmation in place (no window
// dialog, which phones and some embeds block), and only its 삭제 확인
// button sends the DELETE.
function askDelete() {
  if (!state.profile) return;
  $("#delete-confirm").hidden = false;
  $("#delete").hidden = true;
  $("#delete-yes").focus();
}

function cancelDelete() {
  $("#delete-confirm").hidden = true;
  $("#delete").hidden = false;
}

async function deleteProfile() {
  if (!state.profile) return;
  cancelDelete();
  try {
    await api("DELETE", "/v1/profiles/" + state.profile.id);
    state.profile = null;
    state.etag = null;
    $("#edit").hidden = true;
    $("#result").hidden = true;
  } catch {
    // shown
  }
}

// showProfile shows the masked profile, then fetches and draws its chart.
async function showProfile(p, etag) {
  state.profile = p;
  state.etag = etag;
  cancelDelete();
  $("#edit").hidden = false;
  $("#result").hidden = false;
  for (const form of document.querySelectorAll("form.field")) {
    const v = p[form.dataset.field];
    const input = form.elements.value;
    if (input.tagName === "INPUT") input.placeholder = v === undefined || v === null ? "" : "지금 · now: " + v;
    else if (v) input.value = v;
  }
  const dl = $("#profile");
  dl.textContent = "";
  for (const [k, v] of Object.entries(p)) {
    dl.append(el("dt", "", k), el("dd", v === null ? "null" : "", v === null ? "null" : String(v)));
  }
  const { data } = await api("GET", "/v1/profiles/" + p.id + "/saju", undefined, {}, { followUp: true });
  drawChart(data);
  showConventions(p, data);
}

// showConventions says above the chart how it was read: the calendar and
// the 23:00 school (from the profile), and the clock or true solar time
// (from what this page sent: the API does not return the longitude).
function showConventions(p, s) {
  const box = $("#conventions");
  box.textContent = "";
  const part = (ko, en) => {
    if (box.childNodes.length) box.append(" · ");
    box.append(el("b", "", ko), " ", el("span", "en", en));
  };
  part(p.calendar === "lunar" ? "음력" : "양력", p.calendar === "lunar" ? "lunar date (Korean calendar)" : "solar date");
  const hour = !!s.pillars.hour;
  const school = { midnight: ["자정 기준", "day turns at 00:00"], jasi: ["야자시", "day turns at 23:00"], split: ["야자시·조자시", "23시: 그날 일주, 다음 날 시간"] }[p.day_boundary] || [p.day_boundary, ""];
  part(school[0], school[1] + (hour ? "" : " (unused: hour unknown)"));
  if (!hour) part("시간 모름", "no hour pillar, no true solar time");
  else if (state.longitude === undefined) part("시각 기준 알 수 없음", "the API does not return birth_longitude");
  else if (state.longitude === null) part("벽시계 시각", "Korean clock time");
  else part("진태양시 " + (placeName(state.longitude) + " " + state.longitude + "°E").trim(), "apparent solar time at the birthplace");
  box.dataset.calendar = p.calendar;
  box.dataset.dayBoundary = p.day_boundary;
}

// drawChart draws the traditional chart (사주 명식): four columns, read
// right to left (연주 at the right), each a stem (천간) over a branch (지지),
// every character coloured by its element; above the stem its 십신, under
// the branch the 십신 of its 정기, its 지장간, the day stem's 12운성 on it,
// its 12신살 and 납음, as a 만세력 shows them. Then the relations, drawn
// between the columns they join, and the ten 대운 as a scrollable row.
function drawChart(s) {
  const chart = $("#chart");
  chart.textContent = "";
  chart.dataset.state = "ready";
  chart.dataset.hour = s.pillars.hour ? "known" : "unknown";

  chart.append(el("div", "corner"));
  for (const c of COLUMNS) {
    const h = el("div", "colhead" + (c.key === "day" ? " me" : ""));
    h.append(el("span", "colhanja", c.hanja), el("span", "colhangul", c.hangul), el("span", "en", c.en));
    chart.append(h);
  }
  const rowHead = (hangul, hanja, en) => {
    const h = el("div", "rowhead");
    h.append(el("span", "rowhangul", hangul), el("span", "rowhanja", hanja), el("span", "en", en));
    return h;
  };
  // derivedRow adds a row of small cells, one per column, from f(pillar).
  const derivedRow = (key, hangul, hanja, en, f) => {
    chart.append(rowHead(hangul, hanja, en));
    for (const c of COLUMNS) {
      const p = s.pillars[c.key];
      const d = el("div", "d d-" + key + (p ? "" : " none"));
      d.dataset.pos = c.key;
      if (p) f(d, p, c.key);
      else d.textContent = "—";
      chart.append(d);
    }
  };
  derivedRow("stg", "십신", "十神", "ten god", (d, p, key) => {
    d.textContent = p.stem_ten_god;
    if (key === "day") d.classList.add("me");
  });
  chart.append(rowHead("천간", "天干", "stem"));
  for (const c of COLUMNS) chart.append(cell(s.pillars[c.key], "stem", c.key === "day"));
  chart.append(rowHead("지지", "地支", "branch"));
  for (const c of COLUMNS) chart.append(cell(s.pillars[c.key], "branch", false));
  derivedRow("btg", "십신", "十神", "ten god", (d, p) => {
    d.textContent = p.branch_ten_god;
  });
  derivedRow("hidden", "지장간", "支藏干", "hidden", (d, p) => {
    for (const h of p.hidden_stems) {
      const e = el("span", "hs el-" + STEM_ELEMENT[h.stem]);
      e.title = `${h.stem} ${h.hanja} ${h.days}일 · ${h.ten_god}`;
      e.append(el("span", "hs-stem", h.stem), el("span", "hs-days", String(h.days)));
      d.append(e);
    }
  });
  derivedRow("stage", "12운성", "運星", "stage", (d, p) => {
    d.textContent = p.twelve_stage;
  });
  derivedRow("sinsal", "12신살", "神殺", "sinsal", (d, p) => {
    d.textContent = p.sinsal;
  });
  derivedRow("nayin", "납음", "納音", "nayin", (d, p) => {
    d.append(el("span", "nayin-name", p.nayin.name), el("span", "nayin-hanja el-text-" + p.nayin.element, p.nayin.hanja));
  });
  chart.append(el("div", "corner"));
  for (const c of COLUMNS) {
    const p = s.pillars[c.key];
    chart.append(el("div", "ganji", p ? p.hangul + " " + p.hanja : "—"));
  }

  drawRelations(s);
  drawLuck(s.luck);

  const dm = BY_KEY[s.day_master_element];
  const daymaster = $("#daymaster");
  daymaster.textContent = "";
  daymaster.append(
    el("span", "k", "일간 (日干) · day master"),
    el("span", "v el-" + s.day_master_element, s.day_master + " " + s.pillars.day.hanja[0] + dm.hanja),
    el("span", "en", s.day_master_element),
  );

  const els = $("#elements");
  els.textContent = "";
  const total = ELEMENTS.reduce((n, e) => n + s.elements[e.key], 0);
  els.append(el("div", "k", "오행 (五行) · elements " + total + "/" + (s.pillars.hour ? 8 : 6)));
  for (const e of ELEMENTS) {
    const n = s.elements[e.key];
    const row = el("div", "bar" + (e.key === s.weakest_element ? " weakest" : ""));
    row.dataset.element = e.key;
    const fill = el("span", "fill el-" + e.key);
    fill.style.width = (total ? (100 * n) / total : 0) + "%";
    const track = el("span", "track");
    track.append(fill);
    // Four cells a row, the last empty but for the weakest element.
    row.append(el("span", "name", e.hangul + " " + e.hanja), track, el("span", "count", String(n)),
      el("span", "tag", e.key === s.weakest_element ? "가장 약함 · weakest" : ""));
    els.append(row);
  }
  const voids = el("div", "voids");
  voids.append(el("span", "k", "공망 (空亡) · void"), el("span", "v", s.void_branches.join(" ")));
  daymaster.append(voids);
}

// The kinds of relation that clash rather than combine, drawn dashed.
const CLASHES = new Set(["천간충", "충", "형", "파", "해", "원진", "귀문"]);
const RELATION_HANJA = {
  천간합: "天干合", 천간충: "天干沖", 육합: "六合", 삼합: "三合", 반합: "半合", 방합: "方合",
  충: "沖", 형: "刑", 파: "破", 해: "害", 원진: "怨嗔", 귀문: "鬼門",
};

// drawRelations draws each relation as a line under the chart's columns,
// from the first to the last pillar it joins, with a dot on each of them
// holding the stem or branch concerned.
function drawRelations(s) {
  const box = $("#relations");
  box.textContent = "";
  box.dataset.count = String(s.relations.length);
  if (s.relations.length === 0) {
    box.append(el("p", "hint none", "없음 · no 합, 충, 형, 파, 해, 원진 or 귀문 between the pillars"));
    return;
  }
  const col = Object.fromEntries(COLUMNS.map((c, i) => [c.key, i]));
  for (const r of s.relations) {
    const stems = r.kind === "천간합" || r.kind === "천간충";
    const idx = r.pillars.map((p) => col[p]);
    const lo = Math.min(...idx);
    const hi = Math.max(...idx);
    const label = el("div", "rel-kind");
    label.append(el("span", "rel-name", r.kind), el("span", "rel-hanja", RELATION_HANJA[r.kind] || ""));
    if (r.element) label.append(el("span", "rel-el el-text-" + r.element, "→ " + BY_KEY[r.element].hangul));
    const span = el("div", "rel-span " + (CLASHES.has(r.kind) ? "clash" : r.element ? "el-line-" + r.element : "combine"));
    span.style.gridColumn = `${lo + 2} / ${hi + 3}`;
    span.style.setProperty("--n", String(hi - lo + 1));
    for (const p of r.pillars) {
      const pillar = s.pillars[p];
      const dot = el("span", "rel-dot", stems ? pillar.hanja[0] : pillar.hanja[1]);
      dot.style.gridColumn = String(col[p] - lo + 1);
      dot.title = p;
      span.append(dot);
    }
    const row = el("div", "rel");
    row.dataset.kind = r.kind;
    row.dataset.pillars = r.pillars.join(" ");
    row.title = `${r.kind} ${RELATION_HANJA[r.kind] || ""}: ${r.pillars.join(", ")}${r.element ? " → " + r.element : ""}`;
    row.append(label, span);
    box.append(row);
  }
}

// drawLuck draws the ten 대운 right to left, as a chart is read: the first
// at the right, each under its starting age. The row is reversed in CSS
// (row-reverse), so it starts scrolled to its right end, where the first
// ones are, at any width; the one running today is marked.
function drawLuck(luck) {
  const box = $("#luck");
  const info = $("#luck-info");
  box.textContent = "";
  info.textContent = "";
  box.hidden = !luck;
  if (!luck) {
    box.dataset.direction = "";
    info.append("성별이 없으면 대운을 계산하지 않습니다. ", el("span", "en", "No gender, no luck pillars (luck: null): set a gender to see them."));
    return;
  }
  box.dataset.direction = luck.direction;
  info.append(
    (luck.direction === "forward" ? "순행 順行" : "역행 逆行") + " · 대운수 " + luck.start_age + " · 첫 대운 " + luck.start_at.slice(0, 10) + " ",
    el("span", "en", luck.direction + (luck.approximate ? ", approximate: the birth hour is unknown, noon stands in" : "")),
  );
  const now = Date.now();
  for (let k = 0; k < luck.pillars.length; k++) {
    const p = luck.pillars[k];
    const next = luck.pillars[k + 1];
    const current = Date.parse(p.start_at) <= now && (!next || now < Date.parse(next.start_at));
    const card = el("div", "luck-pillar" + (current ? " current" : ""));
    card.dataset.index = String(p.index);
    card.title = `${p.index}: ${p.hangul} ${p.hanja}, ${p.start_at.slice(0, 10)}`;
    const se = STEM_ELEMENT[p.stem];
    const be = BRANCH_ELEMENT[p.branch];
    card.append(
      el("span", "luck-age", String(p.start_age)),
      el("span", "luck-year", p.start_at.slice(0, 4)),
      el("span", "luck-tg", p.stem_ten_god),
      el("span", "luck-char el-" + se, p.stem),
      el("span", "luck-char el-" + be, p.branch),
      el("span", "luck-tg", p.branch_ten_god),
      el("span", "luck-stage", p.twelve_stage),
    );
    box.append(card);
  }
  box.scrollLeft = 0; // the right end, in a row-reverse box
}

// cell draws one character of the chart: hangul large, hanja small, and its
// element and polarity (양 yang, 음 yin).
function cell(p, part, isMe) {
  if (!p) {
    const c = el("div", "cell empty");
    c.append(el("span", "big", "?"), el("span", "small", "시간 모름"), el("span", "en", "unknown hour"));
    return c;
  }
  const hangul = p[part];
  const hanja = p.hanja[part === "stem" ? 0 : 1];
  const element = part === "stem" ? STEM_ELEMENT[hangul] : BRANCH_ELEMENT[hangul];
  const yang = part === "stem" ? STEM_YANG[hangul] : BRANCH_YANG[hangul];
  const e = BY_KEY[element];
  const c = el("div", "cell el-" + element + (isMe ? " me" : ""));
  c.dataset.element = element;
  c.title = `${hangul} ${hanja}: ${yang ? "양" : "음"}${e.hangul} (${yang ? "yang" : "yin"} ${element})`;
  c.append(el("span", "big", hangul), el("span", "small", hanja), el("span", "elem", (yang ? "+" : "−") + e.hangul + e.hanja));
  if (isMe) c.append(el("span", "badge", "일간"));
  if (part === "branch" && p.void) c.append(el("span", "void", "공망"));
  return c;
}

function init() {
  const params = new URLSearchParams(location.search);
  $("#base").value = params.get("api") || location.origin;
  const saved = sessionStorage.getItem("palja.key");
  if (saved) $("#key").value = saved;
  $("#key").addEventListener("change", () => sessionStorage.setItem("palja.key", $("#key").value.trim()));

  const create = $("#create-form");
  create.addEventListener("submit", createProfile);
  create.elements.hour_unknown.addEventListener("change", (e) => {
    create.elements.birth_hour.disabled = e.target.checked;
    create.elements.birth_minute.disabled = e.target.checked;
  });
  // 윤달 only with 음력; a free longitude only with "other".
  for (const r of create.querySelectorAll('[name="calendar"]')) {
    r.addEventListener("change", () => {
      const lunar = create.elements.calendar.value === "lunar";
      create.elements.is_leap_month.disabled = !lunar;
      if (!lunar) create.elements.is_leap_month.checked = false;
    });
  }
  const other = (select, input) => select.addEventListener("change", () => {
    input.hidden = select.value !== "other";
  });
  other(create.elements.place, create.elements.birth_longitude);
  const lonForm = $('form.field[data-field="birth_longitude"]');
  other(lonForm.elements.value, lonForm.elements.other);
  $("#edit-minute-unknown").addEventListener("change", (e) => {
    e.target.form.elements.value.disabled = e.target.checked;
  });
  $("#load-form").addEventListener("submit", loadProfile);
  for (const form of document.querySelectorAll("form.field")) form.addEventListener("submit", saveField);
  $("#edit-hour-unknown").addEventListener("change", (e) => {
    e.target.form.elements.value.disabled = e.target.checked;
  });
  $("#delete").addEventListener("click", askDelete);
  $("#delete-yes").addEventListener("click", deleteProfile);
  $("#delete-no").addEventListener("click", cancelDelete);
  document.body.dataset.ready = "true";
}

init();
