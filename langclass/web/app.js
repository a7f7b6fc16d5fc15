// langclass page: upload a file or record from the microphone, show the model's answer.
// Plain JavaScript, no other host: the server computes the waveform envelope and the log-mel
// spectrogram (the features the model reads) and returns them with the prediction (?display=1).
// Data from the server (language codes and names, file names, messages) only ever goes into the page
// as text (textContent, DOM nodes): never as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
const PALETTE = ['#2f6fdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#0c8599', '#e67700', '#5c7cfa', '#845ef7', '#495057'];
const SR = 16000;  // recordings are sent as 16 kHz mono WAV
const MAX_RECORD_S = 60;
const SURE = 0.4;  // low confidence below 40 % of the way from chance (1/n) to certainty: 0.5 for 6 languages, 0.7 for 2
let info = { langs: [], names: {}, max_mb: 0, max_seconds: 0 };
let color = {};
let last = null;  // the last request, for "Try again"
let busy = false;

// an element with text (never HTML) and attributes
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'style') Object.assign(e.style, v); else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function setStatus(msg, kind) {  // kind: undefined, 'error', 'busy'
  const s = $('status'); s.textContent = msg || ''; s.classList.toggle('error', kind === 'error');
  $('spinner').hidden = kind !== 'busy';
  if (kind !== 'error') $('retry').hidden = true;
}

// plain sentences for the API's error codes
function sentence(code, status) {
  const mb = info.max_mb ? `${info.max_mb} MB` : 'the size limit', s = info.max_seconds ? `${info.max_seconds} seconds` : 'the time limit';
  const S = {
    empty: 'The file is empty: there is no audio in it.',
    undecodable: 'This file could not be read as audio. MP3, WAV, FLAC and OGG files work.',
    bad_audio: 'This audio has a sample rate or a number of channels the server does not accept.',
    unsupported_media_type: 'This file is not audio.',
    too_large: `The file is too big. Files up to ${mb} and ${s} of ordinary audio work.`,
    too_long: `The audio is too long. Up to ${s} work.`,
    body_timeout: 'The upload took too long. Check the connection and try again.',
    busy: 'The server is busy. Try again in a moment.',
    not_ready: 'The server is still starting. Try again in a moment.',
    timeout: 'The server took too long to answer. A shorter clip may work.',
    unauthorized: 'This server needs an access token.',
    bad_parameter: 'The server did not understand the request.',
    network: 'The server could not be reached. Check the connection and try again.',
  };
  return S[code] || (status >= 500 ? 'Something went wrong on the server. Try again later.' : 'The server could not classify this audio.');
}
const RETRY = new Set(['busy', 'not_ready', 'timeout', 'body_timeout', 'network', 'internal']);

async function loadInfo() {
  const r = await fetch('v1/languages');
  if (!r.ok) throw new Error(sentence(((await r.json().catch(() => ({}))).error || {}).code, r.status));
  const d = await r.json();
  info = Object.assign({ names: {} }, d);
  d.languages.forEach((l, i) => { info.names[l.code] = l.name; color[l.code] = PALETTE[i % PALETTE.length]; });
  $('model').textContent = d.model;
  $('langs').textContent = d.languages.map((l) => l.name).join(', ');
  $('maxmb').textContent = d.max_mb;
  $('maxs').textContent = d.max_seconds;
}

// ---- sending audio -------------------------------------------------------
function clearResult() {
  $('result').hidden = true;
  for (const id of ['result-name', 'top-lang', 'top-prob', 'flags', 'bars', 'legend', 'meta', 'spec-note']) $(id).replaceChildren();
  for (const id of ['wave', 'spec', 'timeline']) { const c = $(id); c.getContext('2d').clearRect(0, 0, c.width, c.height); }
}

function threshold() {
  const n = info.languages ? info.languages.length : 0;
  return n >= 2 ? Math.round((1 / n + SURE * (1 - 1 / n)) * 1000) / 1000 : null;
}

async function send(body, contentType, label) {
  last = { body, contentType, label };
  busy = true; clearResult(); setStatus(`Listening to ${label}…`, 'busy');
  document.body.setAttribute('aria-busy', 'true');
  const t0 = performance.now();
  const opts = { method: 'POST', body };
  if (contentType) opts.headers = { 'Content-Type': contentType };
  const th = threshold();
  try {
    const r = await fetch(`v1/predict?display=1${th === null ? '' : `&threshold=${th}`}`, opts);
    let d;
    try { d = await r.json(); } catch (e) { d = { error: { code: r.ok ? 'internal' : undefined } }; }
    return { ok: r.ok && !d.error, status: r.status, data: d, ms: performance.now() - t0 };
  } catch (e) {  // no answer at all: the network, or the server is down
    return { ok: false, status: 0, data: { error: { code: 'network' } }, ms: performance.now() - t0 };
  } finally { busy = false; document.body.removeAttribute('aria-busy'); }
}

async function handleFile(file) {
  if (!file || busy) return;
  if (info.max_mb && file.size > info.max_mb * 1e6) {
    clearResult(); showError(file.name, 'too_large', 413); return;
  }
  const form = new FormData(); form.append('file', file, file.name);
  let res = await send(form, null, file.name);
  if (!res.ok && (res.status === 422 || res.status === 415) && res.data.error && res.data.error.code === 'undecodable') {
    // a format the server cannot read (e.g. webm, m4a): decode it here and send WAV
    try {
      const wav = await toWav(await file.arrayBuffer());
      res = await send(wav, 'audio/wav', file.name);
    } catch (e) { /* keep the server's error */ }
  }
  show(res, file.name);
}

function showError(label, code, status) {
  setStatus(`${label}: ${sentence(code, status)}`, 'error');
  $('retry').hidden = !RETRY.has(code) || !last;
}

function show(res, label) {
  if (!res.ok) { const e = res.data.error || {}; showError(label, e.code, res.status); return; }
  render(res.data, label, res.ms);
  const d = res.data;
  setStatus(d.no_speech ? `${label}: no speech found.` : d.unknown ? `${label}: none of the known languages.`
    : `${label}: ${nameOf(d.lang)}, ${pct(d.prob)}${d.low_confidence ? ' (low confidence)' : ''}.`);
}

async function retry() {
  if (!last || busy) return;
  const { body, contentType, label } = last;
  show(await send(body, contentType, label), label);
}

// ---- recording -----------------------------------------------------------
let rec = null;
async function toggleRecord() {
  if (rec) { rec.stop(); return; }
  if (busy) return;
  if (!navigator.mediaDevices || !window.MediaRecorder) { setStatus('This browser cannot record audio.', 'error'); return; }
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); }
  catch (e) { setStatus('No microphone could be used: allow the page to use it, or choose a file instead.', 'error'); return; }
  const chunks = [];
  const mr = new MediaRecorder(stream);
  const t0 = Date.now();
  const btn = $('record');
  const tick = setInterval(() => {
    const s = (Date.now() - t0) / 1000;
    $('record-label').textContent = `Stop (${s.toFixed(0)} s)`;
    if (s >= MAX_RECORD_S && mr.state === 'recording') mr.stop();
  }, 250);
  mr.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
  mr.onstop = async () => {
    clearInterval(tick); rec = null;
    stream.getTracks().forEach((t) => t.stop());
    btn.classList.remove('on'); btn.setAttribute('aria-pressed', 'false');
    $('record-label').textContent = 'Record from the microphone';
    let wav;
    try {
      const blob = new Blob(chunks, { type: mr.mimeType || 'audio/webm' });
      wav = await toWav(await blob.arrayBuffer());  // webm/opus: the browser decodes it, the server gets WAV
    } catch (e) { setStatus('The recording could not be used: nothing was recorded, or the browser could not decode it.', 'error'); return; }
    show(await send(wav, 'audio/wav', 'the recording'), 'the recording');
  };
  mr.start(250);
  rec = mr;
  clearResult();
  btn.classList.add('on'); btn.setAttribute('aria-pressed', 'true');
  $('record-label').textContent = 'Stop (0 s)';
  setStatus('Recording… speak, then press Stop.');
}

// decode any audio the browser knows, mix to mono at 16 kHz, encode 16-bit WAV
async function toWav(arrayBuffer) {
  const AC = window.AudioContext || window.webkitAudioContext;
  const ctx = new AC();
  let buf;
  try { buf = await ctx.decodeAudioData(arrayBuffer); } finally { ctx.close(); }
  const n = Math.max(1, Math.ceil(buf.duration * SR));
  const off = new OfflineAudioContext(1, n, SR);
  const src = off.createBufferSource(); src.buffer = buf; src.connect(off.destination); src.start();
  const out = await off.startRendering();
  return encodeWav(out.getChannelData(0), SR);
}

function encodeWav(x, sr) {
  const dv = new DataView(new ArrayBuffer(44 + 2 * x.length));
  const str = (o, s) => { for (let i = 0; i < s.length; i++) dv.setUint8(o + i, s.charCodeAt(i)); };
  str(0, 'RIFF'); dv.setUint32(4, 36 + 2 * x.length, true); str(8, 'WAVE'); str(12, 'fmt ');
  dv.setUint32(16, 16, true); dv.setUint16(20, 1, true); dv.setUint16(22, 1, true); dv.setUint32(24, sr, true);
  dv.setUint32(28, 2 * sr, true); dv.setUint16(32, 2, true); dv.setUint16(34, 16, true); str(36, 'data');
  dv.setUint32(40, 2 * x.length, true);
  for (let i = 0; i < x.length; i++) dv.setInt16(44 + 2 * i, Math.max(-1, Math.min(1, x[i])) * 32767, true);
  return new Blob([dv.buffer], { type: 'audio/wav' });
}

// ---- drawing -------------------------------------------------------------
const nameOf = (c) => info.names[c] || c;
const pct = (p) => `${(100 * p).toFixed(1)} %`;

function render(d, label, ms) {
  $('result').hidden = false;
  $('result-name').textContent = label;
  const flags = [];
  if (d.no_speech) {
    $('top-lang').textContent = 'No speech';
    $('top-prob').textContent = `(${d.speech_seconds.toFixed(2)} s of sound in ${d.duration.toFixed(2)} s)`;
    flags.push('no speech: silence, hiss or too short to name a language');
  } else if (d.unknown) {
    $('top-lang').textContent = 'None of the known languages';
    $('top-prob').textContent = `(closest: ${nameOf(d.lang)}, ${pct(d.prob)})`;
    flags.push('none of the known languages: another language, or not speech');
  } else {
    $('top-lang').textContent = nameOf(d.lang);
    $('top-prob').textContent = pct(d.prob);
  }
  if (!d.no_speech && d.low_confidence) flags.push(`low confidence (below ${pct(d.threshold)}): another language, or not speech?`);
  $('flags').replaceChildren(...flags.map((f) => el('span', { class: 'flag', text: f })));
  $('bars').replaceChildren(...d.languages.map((l) => el('div', { class: 'bar', role: 'listitem', 'data-lang': l.lang },
    el('span', { text: nameOf(l.lang) }),
    el('span', { class: 'track', 'aria-hidden': 'true' }, el('span', { class: 'fill', style: { width: `${(100 * l.prob).toFixed(1)}%`, background: color[l.lang] || '#888' } })),
    el('span', { class: 'pct', text: pct(l.prob) }))));
  const disp = d.display || {};
  drawWave(disp.wave, d.duration);
  drawSpec(disp.spec);
  drawTimeline(d.timeline || [], d.duration);
  $('wave').setAttribute('aria-label', `waveform of ${label}, ${d.duration.toFixed(1)} s`);
  $('spec').setAttribute('aria-label', `log-mel spectrogram of ${label}`);
  const t = d.timings_ms || {};
  $('meta').textContent = `${label}: ${d.duration.toFixed(2)} s, ${d.windows} window(s); server: decode ${fmt(t.decode)} ms, ` +
    `features ${fmt(t.features)} ms, model ${fmt(t.model)} ms; round trip ${ms.toFixed(0)} ms`;
}
const fmt = (v) => (v === undefined ? '–' : v.toFixed(1));

function sized(canvas) {
  const w = Math.max(200, Math.round(canvas.clientWidth * (window.devicePixelRatio || 1)));
  const h = Math.round(canvas.clientHeight * (window.devicePixelRatio || 1)) || canvas.height;
  canvas.width = w; canvas.height = h;
  return canvas.getContext('2d');
}

function drawWave(w, dur) {
  const c = $('wave'); const g = sized(c); const W = c.width, H = c.height;
  g.clearRect(0, 0, W, H);
  if (!w || !w.min.length) return;
  const n = w.min.length; g.fillStyle = '#2f6fdb';
  for (let i = 0; i < n; i++) {
    const x0 = Math.floor(i * W / n), x1 = Math.max(x0 + 1, Math.floor((i + 1) * W / n));
    const top = H / 2 - w.max[i] * H / 2, bot = H / 2 - w.min[i] * H / 2;
    g.fillRect(x0, top, x1 - x0, Math.max(1, bot - top));
  }
  g.fillStyle = '#4b5563'; g.font = `${Math.round(H / 7)}px system-ui`; g.fillText(`${dur.toFixed(1)} s`, W - g.measureText(`${dur.toFixed(1)} s`).width - 4, H - 4);
}

// a perceptual colour map (viridis-like), 5 anchors interpolated
const CMAP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function cmap(v) {
  const x = Math.max(0, Math.min(1, v)) * (CMAP.length - 1); const i = Math.min(CMAP.length - 2, Math.floor(x)); const f = x - i;
  return CMAP[i].map((a, k) => Math.round(a + f * (CMAP[i + 1][k] - a)));
}

function drawSpec(s) {
  const c = $('spec'); const g = sized(c); const W = c.width, H = c.height;
  g.clearRect(0, 0, W, H);
  if (!s) return;
  const raw = atob(s.data); const T = s.frames, M = s.n_mels;
  const img = g.createImageData(T, M);
  for (let t = 0; t < T; t++) for (let m = 0; m < M; m++) {  // 0 (the server's floor: silence) is black
    const q = raw.charCodeAt(m * T + t); const [r, gg, b] = q ? cmap(q / 255) : [0, 0, 0]; const o = 4 * ((M - 1 - m) * T + t);
    img.data[o] = r; img.data[o + 1] = gg; img.data[o + 2] = b; img.data[o + 3] = 255;
  }
  const tmp = document.createElement('canvas'); tmp.width = T; tmp.height = M; tmp.getContext('2d').putImageData(img, 0, 0);
  g.imageSmoothingEnabled = true; g.drawImage(tmp, 0, 0, W, H);
  $('spec-note').textContent = `(${M} mel bands, ${s.fmin}–${s.fmax} Hz, ${s.db_range} dB range)`;
}

function drawTimeline(tl, dur) {
  const box = $('timeline-box');
  box.hidden = tl.length < 2;
  if (box.hidden) return;
  const c = $('timeline'); const g = sized(c); const W = c.width, H = c.height;
  g.clearRect(0, 0, W, H);
  const x = (s) => s / dur * W;
  // each window owns the time from the middle of its overlap with the previous window to the middle of the next
  tl.forEach((w, i) => {
    const a = i === 0 ? 0 : (w.start + tl[i - 1].end) / 2;
    const b = i === tl.length - 1 ? dur : (w.end + tl[i + 1].start) / 2;
    g.globalAlpha = 0.35 + 0.65 * w.prob;
    g.fillStyle = color[w.lang] || '#888'; g.fillRect(x(a), 0, Math.max(1, x(b) - x(a)), H);
  });
  g.globalAlpha = 1; g.strokeStyle = '#fff';
  tl.forEach((w, i) => { if (i && w.lang !== tl[i - 1].lang) { const xx = x((w.start + tl[i - 1].end) / 2); g.beginPath(); g.moveTo(xx, 0); g.lineTo(xx, H); g.stroke(); } });
  const seen = [...new Set(tl.map((w) => w.lang))];
  $('timeline').setAttribute('aria-label', `the language of each window: ${tl.map((w) => nameOf(w.lang)).join(', ')}`);
  $('legend').replaceChildren(...seen.map((l) => el('span', { 'data-lang': l }, el('i', { style: { background: color[l] || '#888' } }), nameOf(l))),
    el('span', { class: 'muted', text: `${tl.length} windows of ${(tl[0].end - tl[0].start).toFixed(1)} s` }));
}

// ---- wiring --------------------------------------------------------------
function init() {
  const drop = $('drop'), file = $('file');
  $('choose').addEventListener('click', () => file.click());
  file.addEventListener('change', () => { const f = file.files[0]; file.value = ''; handleFile(f); });  // the same file again is a new choice
  // a drop anywhere on the page is an upload (the browser would otherwise open the file and leave the page)
  let depth = 0;
  window.addEventListener('dragenter', (e) => { e.preventDefault(); depth++; drop.classList.add('over'); });
  window.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; drop.classList.remove('over'); } });
  window.addEventListener('dragover', (e) => { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'; });
  window.addEventListener('drop', (e) => {
    e.preventDefault(); depth = 0; drop.classList.remove('over');
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) handleFile(f);
  });
  $('record').addEventListener('click', toggleRecord);
  $('retry').addEventListener('click', retry);
  loadInfo().catch((e) => setStatus(e instanceof TypeError ? sentence('network') : e.message, 'error'));
}
init();
