// langclass page: upload a file or record from the microphone, show the model's answer.
// Plain JavaScript, no other host: the server computes the waveform envelope and the log-mel
// spectrogram (the features the model reads) and returns them with the prediction (?display=1).
'use strict';
const $ = (id) => document.getElementById(id);
const PALETTE = ['#2f6fdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#0c8599', '#e67700', '#5c7cfa', '#845ef7', '#495057'];
const SR = 16000;  // recordings are sent as 16 kHz mono WAV
const MAX_RECORD_S = 60;
let info = { langs: [], names: {}, max_mb: 0, max_seconds: 0 };
let color = {};

function setStatus(msg, error) {
  const s = $('status'); s.textContent = msg || ''; s.classList.toggle('error', !!error);
}

async function loadInfo() {
  const r = await fetch('v1/languages');
  const d = await r.json();
  info = Object.assign({ names: {} }, d);
  d.languages.forEach((l, i) => { info.names[l.code] = l.name; color[l.code] = PALETTE[i % PALETTE.length]; });
  $('model').textContent = d.model;
  $('langs').textContent = d.languages.map((l) => l.name).join(', ');
  $('maxmb').textContent = d.max_mb;
  $('maxs').textContent = d.max_seconds;
}

// ---- sending audio -------------------------------------------------------
async function send(body, contentType, label) {
  setStatus(`Listening to ${label}…`);
  const t0 = performance.now();
  const opts = { method: 'POST', body };
  if (contentType) opts.headers = { 'Content-Type': contentType };
  const r = await fetch('v1/predict?display=1', opts);
  let d;
  try { d = await r.json(); } catch (e) { d = { error: { message: `HTTP ${r.status}` } }; }
  return { ok: r.ok, status: r.status, data: d, ms: performance.now() - t0 };
}

async function handleFile(file) {
  if (!file) return;
  if (info.max_mb && file.size > info.max_mb * 1e6) {
    setStatus(`${file.name}: ${(file.size / 1e6).toFixed(1)} MB, more than the limit of ${info.max_mb} MB`, true); return;
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

function show(res, label) {
  if (!res.ok) {
    const e = res.data.error || {};
    setStatus(`${label}: ${e.message || 'request failed'} (HTTP ${res.status})`, true);
    return;
  }
  setStatus('');
  render(res.data, label, res.ms);
}

// ---- recording -----------------------------------------------------------
let rec = null;
async function toggleRecord() {
  if (rec) { rec.stop(); return; }
  if (!navigator.mediaDevices || !window.MediaRecorder) { setStatus('This browser cannot record audio.', true); return; }
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); }
  catch (e) { setStatus(`No microphone: ${e.message}`, true); return; }
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
    try {
      const blob = new Blob(chunks, { type: mr.mimeType || 'audio/webm' });
      const wav = await toWav(await blob.arrayBuffer());  // webm/opus: the browser decodes it, the server gets WAV
      show(await send(wav, 'audio/wav', 'the recording'), 'the recording');
    } catch (e) { setStatus(`Could not use the recording: ${e.message}`, true); }
  };
  mr.start(250);
  rec = mr;
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
  const flags = [];
  if (d.no_speech) {
    $('top-lang').textContent = 'No speech';
    $('top-prob').textContent = `(${d.speech_seconds.toFixed(2)} s of sound in ${d.duration.toFixed(2)} s)`;
    flags.push('no speech: silence, hiss or too short to name a language');
  } else {
    $('top-lang').textContent = nameOf(d.lang);
    $('top-prob').textContent = pct(d.prob);
    if (d.low_confidence) flags.push(`low confidence (below ${pct(d.threshold)}): another language, or not speech?`);
  }
  $('flags').innerHTML = flags.map((f) => `<span class="flag">${f}</span>`).join('');
  $('bars').innerHTML = d.languages.map((l) =>
    `<div class="bar" data-lang="${l.lang}"><span>${nameOf(l.lang)}</span><span class="track"><span class="fill" ` +
    `style="width:${(100 * l.prob).toFixed(1)}%;background:${color[l.lang] || '#888'}"></span></span><span class="pct">${pct(l.prob)}</span></div>`).join('');
  const disp = d.display || {};
  drawWave(disp.wave, d.duration);
  drawSpec(disp.spec);
  drawTimeline(d.timeline || [], d.duration);
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
  g.fillStyle = '#667085'; g.font = `${Math.round(H / 7)}px system-ui`; g.fillText(`${dur.toFixed(1)} s`, W - g.measureText(`${dur.toFixed(1)} s`).width - 4, H - 4);
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
  for (let t = 0; t < T; t++) for (let m = 0; m < M; m++) {
    const v = raw.charCodeAt(m * T + t) / 255; const [r, gg, b] = cmap(v); const o = 4 * ((M - 1 - m) * T + t);
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
  $('legend').innerHTML = seen.map((l) => `<span data-lang="${l}"><i style="background:${color[l] || '#888'}"></i>${nameOf(l)}</span>`).join('') +
    `<span class="muted">${tl.length} windows of ${(tl[0].end - tl[0].start).toFixed(1)} s</span>`;
}

// ---- wiring --------------------------------------------------------------
function init() {
  const drop = $('drop');
  $('file').addEventListener('change', (e) => handleFile(e.target.files[0]));
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file').click(); } });
  ['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add('over'); }));
  ['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove('over'); }));
  drop.addEventListener('drop', (e) => handleFile(e.dataTransfer.files[0]));
  $('record').addEventListener('click', toggleRecord);
  loadInfo().catch((e) => setStatus(`Cannot reach the server: ${e.message}`, true));
}
init();
