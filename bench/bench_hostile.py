#!/usr/bin/env python
"""Hostile-input sweep of the real CLI and a real `langclass serve` (issue 29): every listed case and its nearest variants.

    python bench/bench_hostile.py [--only GROUP,...] [--out /tmp/langclass-bench-hostile]

Bounded and re-runnable: every case has a timeout, generated inputs are cached under `--out`/cache, the whole run takes
a few minutes on 2 shared cores. Needs `langclass.testing.tiny_model_store()` (built once, cached) and, for the encoder
model's speech check, the tiny encoder store of nbs/11_infer.ipynb if it is in the temp folder (else those cases are
skipped). Against a server (`python -m langclass.cli serve -q`, 127.0.0.1, tiny CNN, default limits): decode bombs in
FLAC, WAV, OGG (Vorbis, Opus) and MP3 at several rates and channel counts (whole, with forged or stripped headers, one
at a time and several at once), idle and half-sent connections, slow uploads, thresholds, Host headers, multipart
bodies, /docs, the page's scripts. Against the CLI (`python -m langclass.cli`): the same bombs through `predict`,
silent, resetting and trickling S3 endpoints for every store command, `sync --delete` on a catalog-parts S3 store
(rclone), URLs that trickle or withhold their headers, label conflicts under other names, corrupted store copies,
swapped or damaged model files, script and bad codes in a model's `langs`, the no-speech check on non-speech signals
(CNN level gate, CNN `--vad`, encoder model) and on speech, truncated MP3s with and without a frame count against the
page's duration (a site replica), Ctrl-C, libmpg123 warnings.

Each case: name, the exact input, expected (the documented safe behaviour: a clear error naming the input, a 4xx, no
crash, no data loss, bounded time), observed, held, seconds. While the server attacks run: the server's RSS (VmRSS,
sampled every 50 ms; goal <= 400 MB) and the latency of a normal 10.8 s MP3 clip posted every 0.25 s (goal <= 1 s).
Prints a table per group and the failed cases; writes `--out`/results.json. Cases marked `known` are the gaps the
issue's closing note lists as left (the CNN's default speech check is a level gate): counted, and reported apart.
"""
from __future__ import annotations
import argparse, hashlib, http.client, io, json, os, re, resource, shutil, signal, socket, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep),
       'TF_CPP_MIN_LOG_LEVEL': '3', 'LANGCLASS_DEBUG': '', 'AWS_ACCESS_KEY_ID': 'AKBENCHHOSTILE', 'AWS_SECRET_ACCESS_KEY': 'not-a-secret',
       'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_EC2_METADATA_DISABLED': 'true'}
ENV.pop('AWS_ENDPOINT_URL', None); ENV.pop('LANGCLASS_SERVE_TOKEN', None); ENV.pop('LANGCLASS_STORE', None)
RESULTS, _LOCK = [], threading.Lock()
NOW = {'case': '', 'monitor': None}  # the case running, and the server monitor (for the RSS and latency seen during each case)
TB = 'Traceback (most recent call last)'

# ---------------------------------------------------------------- recording
def record(group:str, name:str, inp:str, expected:str, held:bool, observed:str, seconds:float, known:bool=False, **extra):
    with _LOCK: RESULTS.append(dict(group=group, name=name, input=inp, expected=expected, observed=observed[:600], held=bool(held),
                                    seconds=round(seconds, 3), known=known, **extra))

def case(group:str, name:str, inp:str, expected:str, fn, known:bool=False):
    "Run `fn() -> (held, observed)`, timed; an exception is a failed case."
    t0 = time.monotonic(); NOW['case'] = name
    try: held, obs = fn()
    except Exception as e: held, obs = False, f"bench error: {type(e).__name__}: {e}"
    t1, mon, extra = time.monotonic(), NOW['monitor'], {}
    if mon is not None and '(serve)' in group:  # what the server's RSS and a normal request did meanwhile
        rss = [r for t, _, r in list(mon.rss) if t0 <= t <= t1 + 0.05 and r == r]
        lat = [x[3] for x in list(mon.lat) if x[5] == name and x[2] == 200]
        extra = {'server_rss_peak_mb': round(max(rss), 1) if rss else None, 'normal_request_max_ms': round(1e3 * max(lat), 1) if lat else None}
    record(group, name, inp, expected, held, obs, t1 - t0, known, **extra)
    return held

def short(s:str, n:int=300) -> str: return ' '.join(str(s).split())[-n:]

# ---------------------------------------------------------------- the CLI
def _vmhwm(pid:int) -> float:
    try:
        for line in Path(f'/proc/{pid}/status').read_text().splitlines():
            if line.startswith('VmHWM:'): return int(line.split()[1]) / 1024
    except OSError: pass
    return 0.0

def cli(*args, timeout:float=90, env:dict|None=None, mem_gb:float|None=None, signals:list|None=None, marks:list|None=None):
    """Run `python -m langclass.cli ARGS`: (rc, stdout, stderr, seconds, peak RSS MB); rc None: killed at `timeout`.
    `signals`: [(when, signal)], `when` seconds after the previous one (or the start), or a callable that says when; their times go to `marks`."""
    def limit():
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as at a terminal: a sweep started in the background hands its children SIGINT ignored
        if mem_gb: resource.setrlimit(resource.RLIMIT_AS, (int(mem_gb * 2**30),) * 2)
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, '-m', 'langclass.cli', *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, errors='replace', env={**ENV, **(env or {})}, preexec_fn=limit)
    peak = [0.0]; done = threading.Event()
    def watch():
        while not done.is_set(): peak[0] = max(peak[0], _vmhwm(p.pid)); done.wait(0.02)
    threading.Thread(target=watch, daemon=True).start()
    if signals:
        def sender():
            for when, sig in signals:
                if callable(when):
                    while not when() and p.poll() is None: time.sleep(0.02)
                else: time.sleep(when)
                if p.poll() is None:
                    p.send_signal(sig)
                    if marks is not None: marks.append(time.monotonic())
        threading.Thread(target=sender, daemon=True).start()
    try: out, err = p.communicate(timeout=timeout); rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); out, err = p.communicate(); rc = None
    done.set()
    return rc, out, err, time.monotonic() - t0, peak[0]

def clear_error(rc, err:str, *names) -> bool:
    "Exit != 0, a 'langclass: error:' line, no traceback, and every one of `names` in the message."
    return rc not in (0, None) and 'error' in err and TB not in err and all(str(n) in err for n in names)

# ---------------------------------------------------------------- inputs
def write_zeros(path:Path, fmt:str, sub:str, rate:int, ch:int, secs:float) -> Path:
    "A file of `secs` of digital silence (cached: built once)."
    if path.exists(): return path
    tmp = path.with_suffix('.part' + path.suffix)
    with sf.SoundFile(tmp, 'w', rate, ch, format=fmt, subtype=sub) as f:
        z, n = np.zeros((1 << 18, ch), np.float32), int(rate * secs)
        while n > 0: k = min(n, len(z)); f.write(z[:k]); n -= k
    tmp.rename(path); return path

def strip_xing(b:bytes) -> bytes:
    "MP3 bytes whose Xing/Info/VBRI frame count is renamed (the decoder then estimates the length)."
    return b[:8192].replace(b'Xing', b'Xyzw').replace(b'Info', b'Ixyz').replace(b'VBRI', b'Vxyz') + b[8192:]

def drop_xing_frame(b:bytes) -> bytes:
    "MP3 bytes (no ID3 tag in front) without their first frame, the one that holds the Xing/Info frame count."
    i = next(i for i in range(len(b) - 1) if b[i] == 0xFF and b[i + 1] & 0xE0 == 0xE0)
    h = b[i:i + 4]; v1 = (h[1] >> 3) & 3 == 3
    br = ([0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] if v1 else [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160])[h[2] >> 4]
    sr = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}[(h[1] >> 3) & 3][(h[2] >> 2) & 3]
    return b[:i] + b[i + (144 if v1 else 72) * br * 1000 // sr + ((h[2] >> 1) & 1):]

def flac_total(b:bytes, total:int) -> bytes:
    "FLAC bytes with STREAMINFO's total-samples field set to `total` (0: unknown)."
    assert b[:4] == b'fLaC'
    v = int.from_bytes(b[18:26], 'big'); v = (v & ~((1 << 36) - 1)) | total
    return b[:18] + v.to_bytes(8, 'big') + b[26:]

def wav_header(rate:int, ch:int, bits:int, data_bytes:int, body:bytes=b'') -> bytes:
    "A PCM WAV header announcing `data_bytes` (forged at will), then `body`."
    import struct
    fmt = struct.pack('<HHIIHH', 1, ch, rate, rate * ch * bits // 8, ch * bits // 8, bits)
    return (b'RIFF' + struct.pack('<I', min(36 + data_bytes, 2**32 - 1)) + b'WAVEfmt ' + struct.pack('<I', 16) + fmt +
            b'data' + struct.pack('<I', min(data_bytes, 2**32 - 1)) + body)

def wav_bytes(y, sr=16000, sub='PCM_16') -> bytes:
    b = io.BytesIO(); sf.write(b, np.asarray(y, np.float32), sr, format='WAV', subtype=sub); return b.getvalue()

def mp3_bytes(y, sr=16000) -> bytes:
    b = io.BytesIO(); sf.write(b, np.asarray(y, np.float32), sr, format='MP3'); return b.getvalue()

def nonspeech(sr=16000, secs=3.0) -> dict:
    "Non-speech test signals (float32, `sr`)."
    n = int(sr * secs); t = np.arange(n) / sr; rng = np.random.default_rng(0)
    white = lambda dbfs: 10 ** (dbfs / 20) * rng.standard_normal(n)
    def colored(kind, dbfs):
        f = np.fft.rfftfreq(n, 1 / sr); f[0] = f[1]
        x = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / (f ** (0.5 if kind == 'pink' else 1.0)), n)
        return 10 ** (dbfs / 20) * x / np.sqrt(np.mean(x ** 2))
    def clicks(per_s):
        y = np.zeros(n); y[::int(sr / per_s)] = 0.9; return y
    sweep = 0.5 * np.sin(2 * np.pi * (100 * t + (4000 - 100) / (2 * secs) * t ** 2))
    s = {'digital silence': np.zeros(n), '1-LSB dither': rng.integers(-1, 2, n) / 32768,
         'white noise -60 dBFS': white(-60), 'white noise -45 dBFS': white(-45), 'white noise -30 dBFS': white(-30),
         'white noise -20 dBFS': white(-20), 'white noise -10 dBFS': white(-10), 'pink noise -25 dBFS': colored('pink', -25),
         'brown noise -25 dBFS': colored('brown', -25), 'DC offset 0.3': np.full(n, 0.3), 'DC offset 0.001': np.full(n, 0.001),
         'clicks 1/s': clicks(1), 'clicks 3/s': clicks(3), 'clicks 10/s': clicks(10),
         '50 Hz hum': 0.5 * np.sin(2 * np.pi * 50 * t), '60 Hz hum': 0.5 * np.sin(2 * np.pi * 60 * t),
         '1 kHz tone': 0.5 * np.sin(2 * np.pi * 1000 * t), '440 Hz tone': 0.3 * np.sin(2 * np.pi * 440 * t),
         '7 kHz tone': 0.3 * np.sin(2 * np.pi * 7000 * t), 'sweep 100-4000 Hz': sweep,
         '200 Hz square': 0.3 * np.sign(np.sin(2 * np.pi * 200 * t))}
    return {k: np.clip(v, -1, 1).astype(np.float32) for k, v in s.items()}

# ---------------------------------------------------------------- raw HTTP
def req(port:int, method:str, path:str, body:bytes=b'', headers:dict|None=None, timeout:float=30.0):
    "(status, parsed JSON or text, seconds); status 0 with the exception's text on a connection error."
    t0 = time.monotonic()
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse(); data = r.read()
        try: j = json.loads(data)
        except ValueError: j = data.decode('utf-8', 'replace')
        return r.status, j, time.monotonic() - t0
    except Exception as e: return 0, f"{type(e).__name__}: {e}", time.monotonic() - t0
    finally: c.close()

def err_code(j) -> str: return j.get('error', {}).get('code', '') if isinstance(j, dict) else ''

def closed_by(socks:list, deadline:float) -> tuple[int, float]:
    "Wait until every socket is closed by the peer or `deadline` passes: (how many closed, when the last closed)."
    import select
    open_, last, t0 = set(socks), 0.0, time.monotonic()
    while open_ and time.monotonic() < deadline:
        r, _, _ = select.select(list(open_)[:1000], [], [], 0.2)
        for s in r:
            try: d = s.recv(4096)
            except OSError: d = b''
            if not d: open_.discard(s); last = time.monotonic() - t0
    for s in socks: s.close()
    return len(socks) - len(open_), last

def first_status(s:socket.socket, deadline:float) -> int:
    "The status code of the first answer on `s` before `deadline` (0: none, closed)."
    buf = b''
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try: d = s.recv(4096)
        except socket.timeout: break
        except OSError: return 0
        if not d: break
        buf += d
        if b'\r\n' in buf: break
    m = re.match(rb'HTTP/1\.[01] (\d{3})', buf)
    return int(m[1]) if m else 0

# ---------------------------------------------------------------- the server and the monitors
class Server:
    "`langclass serve` in its own process; its stderr in a file."
    def __init__(self, store:Path, model:str, work:Path):
        from langclass.testing import free_port
        self.port = free_port(); self.log = work/f'serve-{self.port}.log'
        self.p = subprocess.Popen([sys.executable, '-m', 'langclass.cli', 'serve', '--store', str(store), '--model', model,
                                   '--port', str(self.port), '-q'], stdout=subprocess.DEVNULL, stderr=open(self.log, 'w'), env=ENV)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            if self.p.poll() is not None: raise SystemExit(f"server exited: {self.log.read_text()[-500:]}")
            if req(self.port, 'GET', '/readyz', timeout=2)[0] == 200: return
            time.sleep(0.2)
        self.stop(); raise SystemExit("server not ready in 120 s")
    def rss(self) -> float:
        try: return next(int(l.split()[1]) / 1024 for l in Path(f'/proc/{self.p.pid}/status').read_text().splitlines() if l.startswith('VmRSS:'))
        except (OSError, StopIteration): return float('nan')
    def fds(self) -> int:
        try: return len(os.listdir(f'/proc/{self.p.pid}/fd'))
        except OSError: return -1
    def alive(self) -> bool: return self.p.poll() is None
    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try: self.p.wait(20)
            except subprocess.TimeoutExpired: self.p.kill(); self.p.wait()

class Monitor:
    "Samples the server's RSS and open files every 50 ms, and posts a normal clip every 0.25 s, in the background."
    def __init__(self, srv:Server, clip:bytes):
        self.srv, self.clip, self.rss, self.fds, self.lat = srv, clip, [], [], []
        self.stop_ev = threading.Event(); self.phase = 'baseline'
        self.th = [threading.Thread(target=self._sample, daemon=True), threading.Thread(target=self._probe, daemon=True)]
        for t in self.th: t.start()
    def _sample(self):
        while not self.stop_ev.is_set():
            self.rss.append((time.monotonic(), self.phase, self.srv.rss())); self.fds.append((self.phase, self.srv.fds())); self.stop_ev.wait(0.05)
    def _probe(self):
        while not self.stop_ev.is_set():
            t0 = time.monotonic(); st, j, dt = req(self.srv.port, 'POST', '/v1/predict', self.clip, {'Content-Type': 'audio/mpeg'}, timeout=30)
            self.lat.append((t0, self.phase, st, dt, j.get('lang') if isinstance(j, dict) else None, NOW['case']))
            self.stop_ev.wait(max(0.0, 0.25 - (time.monotonic() - t0)))
    def stop(self):
        self.stop_ev.set()
        for t in self.th: t.join(35)
    def summary(self) -> dict:
        out = {}
        for ph in dict.fromkeys(p for _, p, *_ in self.lat):
            L = [x for x in self.lat if x[1] == ph]; ok = np.array([x[3] for x in L if x[2] == 200]) * 1e3
            out[ph] = {'requests': len(L), 'non_200': sum(x[2] != 200 for x in L), 'statuses': sorted({x[2] for x in L}),
                       'p50_ms': round(float(np.median(ok)), 1) if len(ok) else None, 'p95_ms': round(float(np.percentile(ok, 95)), 1) if len(ok) else None,
                       'max_ms': round(float(ok.max()), 1) if len(ok) else None, 'over_1s': int((ok > 1000).sum()),
                       'rss_peak_mb': round(max([r for _, p, r in self.rss if p == ph and r == r] or [0]), 1),
                       'open_files_peak': max([f for p, f in self.fds if p == ph] or [0]),
                       'slow_requests': [{'ms': round(x[3] * 1e3), 'status': x[2], 'during': x[5]} for x in L if x[2] != 200 or x[3] > 1]}
        return out

# ---------------------------------------------------------------- groups: the server
def server_bombs(srv:Server, cache:Path):
    "Decode bombs posted to /v1/predict: whole, with forged or stripped headers, in a form, one and several at once."
    G, port = 'decode bomb (serve)', srv.port
    b = lambda *a: write_zeros(cache/a[0], *a[1:]).read_bytes()
    flac590 = b('z-192k-2ch-590s.flac', 'FLAC', 'PCM_16', 192000, 2, 590)
    flac200 = b('z-192k-2ch-200s.flac', 'FLAC', 'PCM_16', 192000, 2, 200)
    ogg48 = b('z-48k-2ch-700s.ogg', 'OGG', 'VORBIS', 48000, 2, 700)
    hi = cache/'z-192k-2ch-300s.ogg'
    ogg_hi, ogg_hi_name = (hi.read_bytes(), '300 s at 192 kHz stereo') if hi.exists() else ((cache/'z-96k-2ch-400s.ogg').read_bytes(), '400 s at 96 kHz stereo')
    mp3_8k = b('z-8k-1ch-3h.mp3', 'MP3', 'MPEG_LAYER_III', 8000, 1, 3 * 3600)
    mp3_48 = b('z-48k-2ch-700s.mp3', 'MP3', 'MPEG_LAYER_III', 48000, 2, 700)
    cases = [  # (name, bytes, content type, expected statuses, expected codes)
        ('FLAC 590 s 192 kHz stereo zeros (the issue\'s 440 KB file)', flac590, 'audio/flac', {413}),
        ('FLAC 590 s 384 kHz mono zeros', b('z-384k-1ch-590s.flac', 'FLAC', 'PCM_16', 384000, 1, 590), 'audio/flac', {413}),
        ('FLAC 1 s 655,350 Hz x 8 channels', b('z-655k-8ch-1s.flac', 'FLAC', 'PCM_16', 655350, 8, 1), 'audio/flac', {422}),
        ('FLAC 20 s 655,350 Hz x 8 channels', b('z-655k-8ch-20s.flac', 'FLAC', 'PCM_16', 655350, 8, 20), 'audio/flac', {422}),
        ('FLAC 100 s 96 kHz x 8 channels', b('z-96k-8ch-100s.flac', 'FLAC', 'PCM_16', 96000, 8, 100), 'audio/flac', {413}),
        ('FLAC 700 s 16 kHz mono (over max_seconds)', b('z-16k-1ch-700s.flac', 'FLAC', 'PCM_16', 16000, 1, 700), 'audio/flac', {413}),
        ('FLAC 200 s 192 kHz stereo, STREAMINFO total samples 0 (unknown)', flac_total(flac200, 0), 'audio/flac', {413}),
        ('FLAC 200 s 192 kHz stereo, STREAMINFO total samples forged to 1 s', flac_total(flac200, 192000), 'audio/flac', {200, 413}),
        ('FLAC bomb as application/octet-stream', flac590, 'application/octet-stream', {413}),
        ('WAV header: 192 kHz stereo 32-bit announcing 4 GB, 1 MB sent', wav_header(192000, 2, 32, 2**32 - 64, bytes(1 << 20)), 'audio/wav', {200, 413, 422}),
        ('WAV header: 1,000,000 Hz mono', wav_header(1_000_000, 1, 16, 200_000, bytes(200_000)), 'audio/wav', {422}),
        ('WAV header: 1000 channels', wav_header(16000, 1000, 16, 64_000, bytes(64_000)), 'audio/wav', {422}),
        ('WAV header: 0 Hz', wav_header(0, 1, 16, 64_000, bytes(64_000)), 'audio/wav', {422}),
        ('WAV 700 s 16 kHz mono PCM_16 (22.4 MB, over max_seconds)', b('z-16k-1ch-700s.wav', 'WAV', 'PCM_16', 16000, 1, 700), 'audio/wav', {413}),
        ('WAV 120 s 384 kHz stereo float (368 MB announced, over 4 x max_mb)', b'', 'audio/wav', {413}),  # announced only: refused unread
        ('WAV 30 MB of zeros (over max_mb, under 4 x: read and dropped)', wav_header(48000, 2, 16, 30_000_000, bytes(30_000_000)), 'audio/wav', {413}),
        ('OGG Vorbis 700 s 48 kHz stereo zeros', ogg48, 'audio/ogg', {413}),
        (f'OGG Vorbis {ogg_hi_name} zeros', ogg_hi, 'audio/ogg', {413}),
        ('OGG Vorbis 200 s 48 kHz x 8 channels zeros', b('z-48k-8ch-200s.ogg', 'OGG', 'VORBIS', 48000, 8, 200), 'audio/ogg', {413}),
        ('OGG Opus 700 s 48 kHz stereo zeros', b('z-48k-2ch-700s.opus', 'OGG', 'OPUS', 48000, 2, 700), 'audio/ogg', {413}),
        ('MP3 3 h 8 kHz mono zeros', mp3_8k, 'audio/mpeg', {413}),
        ('MP3 3 h 8 kHz mono zeros, Xing/Info renamed (length estimated)', strip_xing(mp3_8k), 'audio/mpeg', {413}),
        ('MP3 700 s 48 kHz stereo zeros', mp3_48, 'audio/mpeg', {413}),
        ('MP3 700 s 48 kHz stereo zeros, Xing/Info renamed', strip_xing(mp3_48), 'audio/mpeg', {200, 413}),
        ('MP3 3 h zeros behind a 2 s MP3\'s Xing frame', mp3_bytes(np.zeros(32000), 16000)[:4096] + strip_xing(mp3_8k), 'audio/mpeg', {200, 413, 422}),
    ]
    for name, body, ctype, want in cases:
        if name.startswith('WAV 120 s 384 kHz'):
            n = 120 * 384000 * 8 + 44
            def run_big():  # announced only: refused before it is read
                s = socket.create_connection(('127.0.0.1', port), timeout=10)
                s.sendall(f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\nContent-Length: {n}\r\n\r\n".encode() + bytes(65536))
                st = first_status(s, time.monotonic() + 10); s.close()
                return st in want, f"HTTP {st} after 64 KB of the body"
            case(G, name, f"raw body, Content-Length {n:,}, 64 KB sent", f"HTTP {sorted(want)} before the body is read, bounded", run_big); continue
        def one(body=body, ctype=ctype, want=want):
            st, j, dt = req(port, 'POST', '/v1/predict', body, {'Content-Type': ctype}, timeout=60)
            dur = j.get('duration') if isinstance(j, dict) else None
            ok = st in want and dt < 10 and srv.alive() and (st != 200 or (dur is not None and dur <= 600 * 1.05 + 1))
            return ok, f"HTTP {st} {err_code(j)} in {dt:.2f} s" + (f", classified {dur} s" if st == 200 else f": {short(j.get('error', {}).get('message', '') if isinstance(j, dict) else j, 160)}")
        bounded = ' (200 only for a decode stopped at <= the 600 s limit)' if 200 in want else ''
        case(G, name, f"raw body {len(body):,} bytes, Content-Type {ctype}", f"HTTP {'/'.join(map(str, sorted(want)))} in < 10 s, server alive{bounded}", one)
    # in a form
    bnd = 'bench0boundary'
    form = (f'--{bnd}\r\nContent-Disposition: form-data; name="file"; filename="bomb.flac"\r\nContent-Type: audio/flac\r\n\r\n').encode() + flac590 + f'\r\n--{bnd}--\r\n'.encode()
    case(G, 'FLAC 590 s 192 kHz stereo in a multipart form', f"multipart, {len(form):,} bytes", "HTTP 413 in < 10 s",
         lambda: (lambda st, j, dt: (st == 413 and dt < 10, f"HTTP {st} {err_code(j)} in {dt:.2f} s"))(
             *req(port, 'POST', '/v1/predict', form, {'Content-Type': f'multipart/form-data; boundary={bnd}'})))
    # several at once
    def many(bodies):
        with ThreadPoolExecutor(len(bodies)) as ex:
            res = list(ex.map(lambda bb: req(port, 'POST', '/v1/predict', bb, {'Content-Type': 'application/octet-stream'}, timeout=60), bodies))
        ok = all(r[0] == 413 or (r[0] == 200 and r[1].get('duration', 1e9) <= 631) for r in res)
        return ok and srv.alive(), f"statuses {[r[0] for r in res]}, slowest {max(r[2] for r in res):.2f} s"
    case(G, 'four FLAC 590 s 192 kHz stereo bombs at once', '4 concurrent raw bodies', 'all HTTP 413, normal requests unaffected', lambda: many([flac590] * 4))
    case(G, 'sixteen mixed bombs at once (FLAC, OGG, MP3)', '16 concurrent raw bodies', 'all HTTP 413 (or 200 for a decode stopped at <= 600 s)',
         lambda: many([flac590, ogg48, mp3_8k, strip_xing(mp3_48)] * 4))
    # the largest uploads the limits allow: answered, memory bounded
    big = b('z-48k-2ch-599s.flac', 'FLAC', 'PCM_16', 48000, 2, 599)
    case(G, 'the largest allowed: FLAC 599 s 48 kHz stereo zeros', f"raw body {len(big):,} bytes", 'HTTP 200 (no speech) within the 30 s limit',
         lambda: (lambda st, j, dt: (st == 200, f"HTTP {st} in {dt:.2f} s, no_speech={j.get('no_speech') if isinstance(j, dict) else j}"))(
             *req(port, 'POST', '/v1/predict', big, {'Content-Type': 'audio/flac'}, timeout=60)))
    wav590 = cache/'speechlike-16k-590s.wav'
    case(G, 'the largest allowed: WAV 590 s 16 kHz speech-like, display=true', f"raw body {wav590.stat().st_size:,} bytes", 'HTTP 200 within the 30 s limit',
         lambda: (lambda st, j, dt: (st == 200, f"HTTP {st} in {dt:.2f} s, lang={j.get('lang') if isinstance(j, dict) else j}"))(
             *req(port, 'POST', '/v1/predict?display=true', wav590.read_bytes(), {'Content-Type': 'audio/wav'}, timeout=60)))

BOMB_FILES = [('z-192k-2ch-590s.flac', 'FLAC', 'PCM_16', 192000, 2, 590), ('z-192k-2ch-200s.flac', 'FLAC', 'PCM_16', 192000, 2, 200),
              ('z-48k-2ch-700s.ogg', 'OGG', 'VORBIS', 48000, 2, 700), ('z-8k-1ch-3h.mp3', 'MP3', 'MPEG_LAYER_III', 8000, 1, 3 * 3600),
              ('z-48k-2ch-700s.mp3', 'MP3', 'MPEG_LAYER_III', 48000, 2, 700), ('z-384k-1ch-590s.flac', 'FLAC', 'PCM_16', 384000, 1, 590),
              ('z-655k-8ch-1s.flac', 'FLAC', 'PCM_16', 655350, 8, 1), ('z-655k-8ch-20s.flac', 'FLAC', 'PCM_16', 655350, 8, 20),
              ('z-96k-8ch-100s.flac', 'FLAC', 'PCM_16', 96000, 8, 100), ('z-16k-1ch-700s.flac', 'FLAC', 'PCM_16', 16000, 1, 700),
              ('z-16k-1ch-700s.wav', 'WAV', 'PCM_16', 16000, 1, 700), ('z-48k-8ch-200s.ogg', 'OGG', 'VORBIS', 48000, 8, 200),
              ('z-48k-2ch-700s.opus', 'OGG', 'OPUS', 48000, 2, 700), ('z-48k-2ch-599s.flac', 'FLAC', 'PCM_16', 48000, 2, 599)]

def prepare(cache:Path):
    "Build the cached inputs before the server starts (their encoding would otherwise load the machine during the attacks)."
    for spec in BOMB_FILES: write_zeros(cache/spec[0], *spec[1:])
    for spec in [('z-192k-2ch-300s.ogg', 'OGG', 'VORBIS', 192000, 2, 300), ('z-96k-2ch-400s.ogg', 'OGG', 'VORBIS', 96000, 2, 400)]:
        try: write_zeros(cache/spec[0], *spec[1:]); break
        except Exception: (cache/spec[0]).unlink(missing_ok=True); Path(str(cache/spec[0]).replace('.ogg', '.part.ogg')).unlink(missing_ok=True)
    if not (cache/'speechlike-16k-590s.wav').exists(): sf.write(cache/'speechlike-16k-590s.wav', np.tile(synth_speech(60), 10)[:16000 * 590], 16000, subtype='PCM_16')

def synth_speech(secs:float) -> np.ndarray:
    from langclass.features import synth_signal
    return synth_signal(secs, 16000, seed=3).astype(np.float32)

def server_connections(srv:Server, box:dict):
    "Idle, half-sent and slow connections; started in the background, checked at the end."
    port, t0 = srv.port, time.monotonic()
    def opened(n, first:bytes=b''):
        out = []
        for _ in range(n):
            s = socket.create_connection(('127.0.0.1', port), timeout=5)
            if first: s.sendall(first)
            out.append(s)
        return out
    head = lambda cl, extra='': f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: audio/mpeg\r\n{extra}".encode() + (f"Content-Length: {cl}\r\n\r\n".encode() if cl else b'\r\n')
    groups = {
        '300 half request lines': opened(300, b'POST /v1/predict HTT'),
        '100 connections that send nothing': opened(100),
        '100 request lines with one header, no blank line': opened(100, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()),
    }
    ka = opened(50, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    for s in ka: first_status(s, time.monotonic() + 10)  # answered; then idle on keep-alive
    groups['50 idle keep-alive connections after an answer'] = ka
    slowhdr = opened(50, b'GET /healthz HTTP/1.1\r\n')
    groups['50 headers trickled 1 byte/s (slowloris)'] = slowhdr
    def trickle():
        for i in range(40):
            for s in slowhdr:
                try: s.sendall(b'X'[:1] if i % 2 else b'-')
                except OSError: pass
            time.sleep(1)
    threading.Thread(target=trickle, daemon=True).start()
    slow_cl = opened(70, head(100000) + b'abc')
    slow_chunk = opened(20, head(None, 'Transfer-Encoding: chunked\r\n') + b'1\r\nx\r\n')
    slow_drip = opened(20, head(100000) + bytes(100))
    def drip():
        for i in range(45):
            for s in slow_chunk + slow_drip:
                try: s.sendall(b'1\r\nx\r\n' if s in slow_chunk else bytes(100))
                except OSError: pass
            time.sleep(1)
    threading.Thread(target=drip, daemon=True).start()
    gone = opened(20, head(100000) + bytes(10))
    for s in gone: s.close()  # declared 100 KB, sent 10 bytes, went away
    box.update(t0=t0, groups=groups, slow={'70 uploads: Content-Length 100000, 3 bytes sent': slow_cl,
                                           '20 chunked uploads: a 1-byte chunk per second': slow_chunk,
                                           '20 uploads: Content-Length 100000, 100 bytes per second': slow_drip})

def check_connections(srv:Server, box:dict, mon:Monitor):
    G = 'idle/slow clients (serve)'
    t0 = box['t0']
    for name, socks in box['groups'].items():
        def idle(socks=socks):
            n, last = closed_by(socks, t0 + 25)
            return n == len(socks), f"{n}/{len(socks)} closed by the server, the last {last:.1f} s after the check began"
        case(G, name, name, "every one closed by the server within header_timeout_s (10 s) + slack (<= 25 s from opening)", idle)
    for name, socks in box['slow'].items():
        def slow(socks=socks):
            with ThreadPoolExecutor(32) as ex: st = list(ex.map(lambda s: first_status(s, t0 + 45), socks))
            for s in socks: s.close()
            c = {k: st.count(k) for k in set(st)}
            return set(st) <= {408}, f"statuses {c} by {time.monotonic() - t0:.1f} s"
        case(G, name, name, "HTTP 408 body_timeout within body_timeout_s (30 s) + slack", slow)
    lat = [x for x in mon.lat if x[1] == 'attack']
    case(G, 'normal requests during the slow uploads get no 503', 'a 10.8 s MP3 every 0.25 s during the attacks', 'HTTP 200 every time',
         lambda: (all(x[2] == 200 for x in lat) and bool(lat), f"{sum(x[2] == 200 for x in lat)}/{len(lat)} answered 200; others: {sorted({x[2] for x in lat if x[2] != 200})}"))
    case(G, '20 uploads cut off after 10 of 100000 bytes', 'client closes mid-body', 'server alive, /healthz 200',
         lambda: (lambda st, j, dt: (st == 200 and srv.alive(), f"/healthz {st}, uploading={j.get('uploading') if isinstance(j, dict) else '?'}"))(*req(srv.port, 'GET', '/healthz')))

def server_params(srv:Server, clip2:bytes):
    G, port = 'threshold/params (serve)', srv.port
    for v, want in [('nan', 422), ('NaN', 422), ('inf', 422), ('-inf', 422), ('Infinity', 422), ('1e400', 422), ('-1e400', 422),
                    ('-5', 422), ('-0.0001', 422), ('1.5', 422), ('1.0000001', 422), ('abc', 422), ('', 422), ('0x10', 422),
                    ('1e-400', 200), ('0', 200), ('1', 200), ('0.5', 200), ('-0', 200)]:
        def one(v=v, want=want):
            st, j, dt = req(port, 'POST', f'/v1/predict?threshold={v}', clip2, {'Content-Type': 'audio/mpeg'})
            return st == want, f"HTTP {st} {err_code(j)}"
        case(G, f'threshold={v}', f"POST /v1/predict?threshold={v}", f"HTTP {want}", one)
    case(G, 'display=maybe', 'POST /v1/predict?display=maybe', 'HTTP 422',
         lambda: (lambda st, j, dt: (st == 422, f"HTTP {st} {err_code(j)}"))(*req(port, 'POST', '/v1/predict?display=maybe', clip2, {'Content-Type': 'audio/mpeg'})))

def server_hosts(srv:Server, clip2:bytes):
    G, port = 'Host header (serve)', srv.port
    for h, want in [('evil.example', 400), (f'evil.example:{port}', 400), ('localhost.evil.example', 400), ('127.0.0.1.nip.io', 400),
                    ('127.1', 400), ('0.0.0.0', 400), ('attacker.test:80', 400), ('', 400),
                    (f'localhost:{port}', 200), (f'LOCALHOST:{port}', 200), (f'127.0.0.1:{port}', 200), (f'[::1]:{port}', 200)]:
        def one(h=h, want=want):
            s = socket.create_connection(('127.0.0.1', port), timeout=10)
            s.sendall(f"GET /v1/languages HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n".encode()); st = first_status(s, time.monotonic() + 10); s.close()
            return st == want, f"HTTP {st}"
        case(G, f'Host: {h!r} on GET /v1/languages', f"Host: {h}", f"HTTP {want}", one)
    case(G, 'Host: evil.example on POST /v1/predict', 'Host: evil.example', 'HTTP 400, not classified',
         lambda: (lambda st, j, dt: (st == 400 and err_code(j) == 'bad_host', f"HTTP {st} {err_code(j)}"))(
             *req(port, 'POST', '/v1/predict', clip2, {'Content-Type': 'audio/mpeg', 'Host': 'evil.example'})))
    def no_host():
        s = socket.create_connection(('127.0.0.1', port), timeout=10); s.sendall(b"GET /v1/languages HTTP/1.0\r\n\r\n")
        st = first_status(s, time.monotonic() + 10); s.close(); return st == 400, f"HTTP {st}"
    case(G, 'HTTP/1.0 request without a Host header', 'GET /v1/languages HTTP/1.0, no Host', 'HTTP 400', no_host)
    def two_hosts():
        s = socket.create_connection(('127.0.0.1', port), timeout=10)
        s.sendall(b"GET /v1/languages HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        st = first_status(s, time.monotonic() + 10); s.close(); return st == 400, f"HTTP {st}"
    case(G, 'two Host headers (127.0.0.1, evil.example)', 'Host twice', 'HTTP 400', two_hosts)

def server_multipart(srv:Server, clip2:bytes):
    G, port, bnd = 'multipart (serve)', srv.port, 'b0undary'
    part = lambda name='file', fn='a.mp3', data=clip2: (f'--{bnd}\r\nContent-Disposition: form-data; name="{name}"' + (f'; filename="{fn}"' if fn else '') +
                                                         '\r\nContent-Type: audio/mpeg\r\n\r\n').encode() + data + b'\r\n'
    whole = part() + f'--{bnd}--\r\n'.encode()
    ct = f'multipart/form-data; boundary={bnd}'
    for name, body, ctype, want, code in [
        ('control: a whole form', whole, ct, 200, ''),
        ('cut at half', whole[:len(whole) // 2], ct, 400, 'bad_multipart'),
        ('cut before the closing delimiter', whole[:-8], ct, 400, 'bad_multipart'),
        ('cut inside the part headers', whole[:40], ct, 400, 'bad_multipart'),
        ('no boundary parameter', whole, 'multipart/form-data', 400, 'bad_multipart'),
        ('another boundary than the body\'s', whole, 'multipart/form-data; boundary=other', 400, 'bad_multipart'),
        ('empty body', b'', ct, 400, ''),
        ('a form with a text field and no file', part('note', None, b'hello') + f'--{bnd}--\r\n'.encode(), ct, 400, 'no_file'),
        ('two files', part() + part(fn='b.mp3') + f'--{bnd}--\r\n'.encode(), ct, 400, 'bad_multipart'),
        ('a 70 KB part header', (f'--{bnd}\r\nContent-Disposition: form-data; name="file"; filename="{"a" * 70000}"\r\n\r\n').encode() + clip2 + f'\r\n--{bnd}--\r\n'.encode(), ct, 400, ''),
        ('Content-Type text/html', clip2, 'text/html', 415, 'unsupported_media_type'),
    ]:
        def one(body=body, ctype=ctype, want=want, code=code):
            st, j, dt = req(port, 'POST', '/v1/predict', body, {'Content-Type': ctype})
            return st == want and (not code or err_code(j) == code), f"HTTP {st} {err_code(j)}"
        case(G, name, f"{len(body):,} bytes, Content-Type {ctype[:60]}", f"HTTP {want} {code}".strip(), one)

def server_page(srv:Server):
    G, port = 'page and docs (serve)', srv.port
    for path, want in [('/docs', 404), ('/redoc', 404), ('/docs/oauth2-redirect', 404), ('/openapi.json', 200)]:
        case(G, f'GET {path}', f'GET {path}', f'HTTP {want}', lambda path=path, want=want: (lambda st, j, dt: (st == want, f"HTTP {st}"))(*req(port, 'GET', path)))
    def offline():
        ext = []
        for p in ('/', '/static/app.js', '/static/style.css'):
            st, j, _ = req(port, 'GET', p); text = j if isinstance(j, str) else json.dumps(j)
            ext += [f"{p}: {u}" for u in re.findall(r'''(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"')]*''', text)
                    if not re.match(r'(?:https?:)?//(127\.0\.0\.1|localhost)', u) and 'www.w3.org' not in u]
        return not ext, f"external references: {ext[:5]}" if ext else "no external script, style or font"
    case(G, 'the page loads nothing from other hosts', 'GET / and its static files', 'no http(s)://other-host reference', offline)
    def no_html_sink():
        st, j, _ = req(port, 'GET', '/static/app.js')
        sinks = [s for s in ('innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(') if s in str(j)]
        return st == 200 and not sinks, f"HTTP {st}; HTML sinks in app.js: {sinks}"
    case(G, 'app.js inserts text only', 'GET /static/app.js', 'no innerHTML/outerHTML/insertAdjacentHTML/document.write/eval', no_html_sink)

# ---------------------------------------------------------------- groups: the CLI
def cli_bombs(cache:Path, store:Path, urlsrv):
    "The same decode bombs through `predict` (a file, and a URL), in a process limited to 3 GiB of address space."
    G = 'decode bomb (predict)'
    files = [('FLAC 590 s 192 kHz stereo zeros', cache/'z-192k-2ch-590s.flac'), ('FLAC 20 s 655,350 Hz x 8 channels', cache/'z-655k-8ch-20s.flac'),
             ('OGG Vorbis 700 s 48 kHz stereo zeros', cache/'z-48k-2ch-700s.ogg'), ('MP3 3 h 8 kHz mono zeros', cache/'z-8k-1ch-3h.mp3'),
             ('FLAC 100 s 96 kHz x 8 channels', cache/'z-96k-8ch-100s.flac')]
    for name, f in files:
        def one(f=f):
            rc, out, err, dt, mb = cli('predict', f, '--store', store, '--model', 'tiny', timeout=120, mem_gb=3)
            ok = (rc == 0 or clear_error(rc, err, f.name)) and mb <= 1000 and dt < 60
            return ok, f"exit {rc} in {dt:.1f} s, peak RSS {mb:.0f} MB; {short(err or out, 200)}"
        case(G, f'predict FILE: {name}', f"langclass predict {f.name} ({f.stat().st_size:,} bytes)",
             "an answer or a clear error naming the file; peak RSS <= 1,000 MB; < 60 s", one)
    u = urlsrv.url('bomb.flac')
    def by_url():
        rc, out, err, dt, mb = cli('predict', u, '--store', store, '--model', 'tiny', timeout=120, mem_gb=3)
        return (rc == 0 or clear_error(rc, err, u)) and mb <= 1000 and dt < 60, f"exit {rc} in {dt:.1f} s, peak RSS {mb:.0f} MB; {short(err or out, 200)}"
    case(G, 'predict URL: FLAC 590 s 192 kHz stereo zeros', f"langclass predict {u}", "an answer or a clear error naming the URL; peak RSS <= 1,000 MB; < 60 s", by_url)

class URLServer:
    "A local HTTP server with hostile answers (raw sockets, one thread per connection)."
    def __init__(self, files:dict):
        self.files = files; self.sock = socket.socket(); self.sock.bind(('127.0.0.1', 0)); self.sock.listen(128)
        self.port = self.sock.getsockname()[1]; self.held = []
        threading.Thread(target=self._loop, daemon=True).start()
    def url(self, p): return f"http://127.0.0.1:{self.port}/{p}"
    def _loop(self):
        while True:
            try: c, _ = self.sock.accept()
            except OSError: return
            threading.Thread(target=self._one, args=(c,), daemon=True).start()
    def _one(self, c):
        try:
            req = b''
            while b'\r\n\r\n' not in req:
                d = c.recv(4096)
                if not d: return
                req += d
            path = req.split(b' ')[1].decode().lstrip('/')
            def trickle(data, gap, n=None):
                for i in range(min(len(data), n or len(data))): c.sendall(data[i:i + 1]); time.sleep(gap)
            hdr = lambda n, extra='': f"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: {n}\r\n{extra}".encode()
            if path in self.files: c.sendall(hdr(len(self.files[path]), 'Connection: close\r\n') + b'\r\n' + self.files[path])
            elif path == 'trickle-headers-0.1s': trickle(hdr(5) + b'X-Pad: ' + b'a' * 2000 + b'\r\n\r\nhello', 0.1)
            elif path == 'trickle-headers-4.9s': trickle(hdr(5) + b'X-Pad: ' + b'a' * 2000 + b'\r\n\r\nhello', 4.9)
            elif path == 'silent': self.held.append(c); time.sleep(300)
            elif path == 'headers-then-silent': c.sendall(hdr(100000) + b'\r\n'); time.sleep(300)
            elif path == 'trickle-body': c.sendall(hdr(100000) + b'\r\n'); trickle(b'\xff' * 100000, 0.1)
            elif path == 'status-line-only': c.sendall(b'HTTP/1.1 200 OK\r\n'); time.sleep(300)
            elif path == 'redirect-loop': c.sendall(f"HTTP/1.1 302 Found\r\nLocation: /redirect-loop\r\nContent-Length: 0\r\n\r\n".encode())
        except OSError: pass
        finally:
            try: c.close()
            except OSError: pass

def cli_urls(store:Path, urlsrv:URLServer, good:bytes):
    G = 'URL deadline (predict)'
    for path, tmo in [('trickle-headers-0.1s', 5), ('trickle-headers-4.9s', 5), ('silent', 5), ('headers-then-silent', 5),
                      ('trickle-body', 3), ('status-line-only', 3), ('redirect-loop', 5)]:
        u = urlsrv.url(path)
        def one(u=u, tmo=tmo):
            rc, out, err, dt, _ = cli('predict', u, urlsrv.url('good.mp3'), '--store', store, '--model', 'tiny', '--timeout', tmo, timeout=120)
            good_row = urlsrv.url('good.mp3') in out
            return clear_error(rc, err, u) and dt < tmo + 8 and good_row, f"exit {rc} in {dt:.1f} s (--timeout {tmo}); the good URL answered: {good_row}; {short(err, 200)}"
        case(G, f'predict URL --timeout {tmo}: {path}', f"langclass predict {u} {urlsrv.url('good.mp3')} --timeout {tmo}",
             f"a clear error naming the URL within --timeout + start-up (< {tmo + 8} s); the other input answered", one)

class Mute:
    "TCP endpoints on 127.0.0.1: 'silent' accepts and never answers, 'reset' accepts and closes, 'trickle' answers one byte per 2 s."
    def __init__(self, kind:str):
        self.kind, self.s, self.held = kind, socket.socket(), []
        self.s.bind(('127.0.0.1', 0)); self.s.listen(256); self.url = f"http://127.0.0.1:{self.s.getsockname()[1]}"
        threading.Thread(target=self._loop, daemon=True).start()
    def _loop(self):
        while True:
            try: c, _ = self.s.accept()
            except OSError: return
            if self.kind == 'reset': c.close()
            elif self.kind == 'silent': self.held.append(c)
            else: threading.Thread(target=self._trickle, args=(c,), daemon=True).start()
    def _trickle(self, c):
        try:
            for b in b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nx-amz-request-id: 1\r\n\r\n' + bytes(100): c.send(bytes([b])); time.sleep(2)
        except OSError: pass
        finally: c.close()

def cli_s3_silent(store:Path, work:Path, corpus_manifest:Path, clip:Path):
    "Every store command against S3 endpoints that never answer, reset, or trickle: each ends with a clear error, bounded."
    G = 'silent S3 endpoint'
    from langclass.store import s3_config, s3_time_bound
    from langclass.testing import free_port
    bound = s3_time_bound(s3_config()) + 15  # the default per-request bound, plus start-up
    jobs = []
    for kind in ('silent', 'reset', 'trickle'):
        m = Mute(kind); E = ['--endpoint-url', m.url]; s3 = f's3://bench/{kind}'
        cmds = [('import', ['import', corpus_manifest, '--store', s3, *E, '-q']),
                ('predict --store s3://', ['predict', clip, '--store', s3, '--model', 'tiny', *E]),
                ('sync folder -> s3', ['sync', store, s3, *E, '-q']), ('sync s3 -> folder', ['sync', s3, work/f'sync-{kind}', *E, '-q']),
                ('sync --delete s3 -> folder', ['sync', s3, work/f'syncd-{kind}', '--delete', *E, '-q']),
                ('download', ['download', '--store', s3, *E, '-q']), ('featurize', ['featurize', '--store', s3, *E, '-q']),
                ('serve --store s3://', ['serve', '--store', s3, '--model', 'tiny', '--port', str(free_port()), *E, '-q'])]
        if kind != 'silent': cmds = [c for c in cmds if c[0] in ('import', 'predict --store s3://', 'sync folder -> s3', 'download')]
        for name, args in cmds:
            jobs.append((kind, name, args, m))
    def run(job):
        kind, name, args, m = job
        def one():
            rc, out, err, dt, _ = cli(*args, timeout=bound + 60)
            return clear_error(rc, err) and dt < bound and ('127.0.0.1' in err or 'S3' in err or 's3://' in err), f"exit {rc} in {dt:.1f} s; {short(err, 220)}"
        case(G, f'{name} ({kind} endpoint)', 'langclass ' + ' '.join(map(str, args)).replace(str(work), 'WORK'),
             f"a clear error naming the endpoint or store, exit != 0, within the S3 time bound ({bound:.0f} s)", one)
    with ThreadPoolExecutor(len(jobs)) as ex: list(ex.map(run, jobs))

def cli_sync_parts(work:Path, store:Path):
    "sync --delete with stores whose catalog is only in catalog.d/ parts (concurrent imports), both directions."
    G = 'sync --delete, catalog parts'
    from langclass.testing import s3_server
    from langclass.store import open_store, read_store_catalog
    corp = work/'parts-corpus'; corp.mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    for i in range(6): sf.write(corp/f'c{i}.wav', (0.2 * np.sin(2 * np.pi * (300 + 40 * i) * np.arange(16000) / 16000) + 0.01 * rng.standard_normal(16000)).astype(np.float32), 16000)
    (corp/'m1.csv').write_text('path,language\n' + ''.join(f'c{i}.wav,en\n' for i in range(3)))
    (corp/'m2.csv').write_text('path,language\n' + ''.join(f'c{i}.wav,fr\n' for i in range(3, 6)))
    with s3_server(buckets=('lc-parts',), dir_cache_time='0s') as srv:
        E = ['--endpoint-url', srv.endpoint_url]; env = {'AWS_ACCESS_KEY_ID': srv.access_key, 'AWS_SECRET_ACCESS_KEY': srv.secret_key}
        with ThreadPoolExecutor(2) as ex:
            r = list(ex.map(lambda m: cli('import', corp/m, '--store', 's3://lc-parts/parts', *E, '-q', env=env, timeout=120), ('m1.csv', 'm2.csv')))
        top = srv.root/'lc-parts'/'parts'
        if (top/'catalog.csv').exists():  # folded by an import: make it a parts-only store as concurrent writers leave it
            (top/'catalog.d').mkdir(exist_ok=True); (top/'catalog.csv').rename(top/'catalog.d'/'folded-by-bench.csv')
        parts = sorted(p.name for p in (top/'catalog.d').glob('*.csv')) if (top/'catalog.d').exists() else []
        prep = f"two concurrent imports: exits {[x[0] for x in r]}; catalog.csv: {(top/'catalog.csv').exists()}; parts: {len(parts)}"
        def keys_ok(dst) -> tuple[bool, str]:
            st = open_store(dst); clips = read_store_catalog(st); miss = [c.key for c in clips if c.key and not st.exists(c.key)]
            return len(clips) == 6 and not miss, f"{len(clips)} clips in the catalog, {len(miss)} missing audio"
        def run(args, check):
            rc, out, err, dt, _ = cli(*args, env=env, timeout=120)
            ok, why = check() if rc == 0 else (False, '')
            return rc == 0 and ok, f"exit {rc} in {dt:.1f} s; {why}; {short(err or out, 200)} [{prep}]"
        d1 = work/'parts-dst1'
        case(G, 'sync --delete s3 parts store -> empty folder', 'langclass sync s3://lc-parts/parts DIR --delete', 'exit 0, all 6 clips and their audio copied',
             lambda: run(['sync', 's3://lc-parts/parts', d1, '--delete', *E, '-q'], lambda: keys_ok(d1)))
        d2 = work/'parts-dst2'; (d2/'raw/en').mkdir(parents=True, exist_ok=True); (d2/'raw/en/stray.mp3').write_bytes(b'x'); (d2/'catalog.csv').write_text('clip_id,lang\n')
        case(G, 'sync --delete s3 parts store -> folder store with a stray key', 'langclass sync s3://lc-parts/parts DIR --delete', 'exit 0, stray deleted, nothing lost',
             lambda: run(['sync', 's3://lc-parts/parts', d2, '--delete', *E, '-q'], lambda: (lambda ok, why: (ok and not (d2/'raw/en/stray.mp3').exists(), why + f", stray left: {(d2/'raw/en/stray.mp3').exists()}"))(*keys_ok(d2))))
        case(G, 'sync --delete --dry-run s3 parts store -> folder', 'langclass sync s3://lc-parts/parts DIR --delete --dry-run', 'exit 0, nothing written',
             lambda: run(['sync', 's3://lc-parts/parts', work/'parts-dry', '--delete', '--dry-run', *E], lambda: (not (work/'parts-dry'/'raw').exists(), 'dry run wrote nothing')))
        (top/'raw/en').mkdir(parents=True, exist_ok=True); (top/'raw/en/stray.mp3').write_bytes(b'x')
        os.environ.update(env)  # this process reads the S3 catalog back below (boto3's chain, as the CLI does)
        case(G, 'sync --delete folder -> s3 parts store with a stray key', 'langclass sync DIR s3://lc-parts/parts --delete', 'exit 0, stray deleted, catalog readable',
             lambda: run(['sync', d1, 's3://lc-parts/parts', '--delete', *E, '-q'],
                         lambda: (lambda ok, why: (ok and not (top/'raw/en/stray.mp3').exists(), why + f", stray left: {(top/'raw/en/stray.mp3').exists()}"))(
                             *(lambda: (lambda st: (len(read_store_catalog(st)) == 6, f"{len(read_store_catalog(st))} clips in s3://lc-parts/parts"))(open_store('s3://lc-parts/parts', endpoint_url=srv.endpoint_url)))())))
        fp = work/'parts-folder'
        if d1.is_dir(): shutil.copytree(d1, fp, dirs_exist_ok=True)
        else: shutil.copytree(store, fp, dirs_exist_ok=True)
        if (fp/'catalog.csv').exists(): (fp/'catalog.d').mkdir(exist_ok=True); (fp/'catalog.csv').rename(fp/'catalog.d'/'w1.csv')
        case(G, 'sync --delete folder parts store -> new s3 prefix', 'langclass sync DIR(catalog.d only) s3://lc-parts/copy --delete', 'exit 0',
             lambda: run(['sync', fp, 's3://lc-parts/copy', '--delete', *E, '-q'], lambda: (True, 'copied')))
        (work/'notastore/raw').mkdir(parents=True, exist_ok=True); (work/'notastore/raw/x.mp3').write_bytes(b'x')
        def guard():
            rc, out, err, dt, _ = cli('sync', work/'notastore', 's3://lc-parts/parts', '--delete', *E, env=env)
            return rc == 2 and 'not a langclass store' in err, f"exit {rc}; {short(err, 200)}"
        case(G, 'control: sync --delete from a folder that is not a store', 'langclass sync DIR(raw only) s3://lc-parts/parts --delete', 'refused, exit 2', guard)

def cli_conflicts(work:Path):
    "The same audio listed with two languages under other names: a conflict, not a duplicate; no label taken."
    G = 'label conflicts (import)'
    from langclass.store import open_store, read_store_catalog
    c = work/'alias'; (c/'sub').mkdir(parents=True, exist_ok=True)
    def tone(p, f, seed):
        if not p.exists(): sf.write(p, (0.2 * np.sin(2 * np.pi * f * np.arange(16000) / 16000) + 0.01 * np.random.default_rng(seed).standard_normal(16000)).astype(np.float32), 16000)
    for n, f in [('a', 610), ('b', 620), ('ok', 630)]: tone(c/f'{n}.wav', f, f)
    for link, target in [('link.wav', 'b.wav'), ('dirlink', '.')]:
        if not (c/link).is_symlink(): (c/link).symlink_to(target)
    if not (c/'twin.wav').exists(): shutil.copy(c/'a.wav', c/'twin.wav')
    if not (c/'hard.wav').exists(): os.link(c/'a.wav', c/'hard.wav')
    sha = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    A, B = sha(c/'a.wav'), sha(c/'b.wav')
    cases = [('a.wav,en + sub/../a.wav,fr', 'a.wav,en\nsub/../a.wav,fr\n', A), ('a.wav,en + ./a.wav,fr', 'a.wav,en\n./a.wav,fr\n', A),
             ('a.wav,en + sub/./../a.wav,fr', 'a.wav,en\nsub/./../a.wav,fr\n', A), ('a.wav,en + dirlink/a.wav,fr (a symlinked folder)', 'a.wav,en\ndirlink/a.wav,fr\n', A),
             ('a.wav,en + ABSOLUTE/a.wav,fr', f'a.wav,en\n{c}/a.wav,fr\n', A), ('a.wav,en + hard.wav,fr (a hard link)', 'a.wav,en\nhard.wav,fr\n', A),
             ('a.wav,en + twin.wav,fr (identical bytes)', 'a.wav,en\ntwin.wav,fr\n', A), ('b.wav,en + b.wav,fr (control)', 'b.wav,en\nb.wav,fr\n', B),
             ('b.wav,en + b.wav,fr + link.wav,en (a symlink to the refused file)', 'b.wav,en\nb.wav,fr\nlink.wav,en\n', B),
             ('twin.wav,fr + a.wav,en + hard.wav,en (three names)', 'twin.wav,fr\na.wav,en\nhard.wav,en\n', A)]
    for i, (name, rows, bad) in enumerate(cases):
        def one(i=i, rows=rows, bad=bad):
            (c/f'm{i}.csv').write_text('path,language\nok.wav,en\n' + rows); st = work/f'conflict-store-{i}'; shutil.rmtree(st, ignore_errors=True)
            rc, out, err, dt, _ = cli('import', c/f'm{i}.csv', '--store', st, '-q')
            taken = sorted({x.lang for x in read_store_catalog(open_store(st)) if x.sha256 == bad})
            return rc not in (0, None) and 'two languages' in err and not taken, f"exit {rc}; labels taken for the contested audio: {taken}; {short(err or out, 200)}"
        case(G, name, f"manifest: ok.wav,en + {rows.strip()!r}", "exit != 0, reported as listed with two languages, no label of the contested audio taken", one)
    # across imports: the catalog already holds a.wav as en
    for j, (name, rows) in enumerate([('then twin.wav,fr (identical bytes) in a second import', 'twin.wav,fr\n'),
                                      ('then a.wav,fr (the same path) in a second import', 'a.wav,fr\n'),
                                      ('then sub/../a.wav,fr in a second import', 'sub/../a.wav,fr\n')]):
        def two(j=j, rows=rows):
            st = work/f'conflict-later-{j}'; shutil.rmtree(st, ignore_errors=True)
            (c/f'first{j}.csv').write_text('path,language\nok.wav,en\na.wav,en\n'); (c/f'second{j}.csv').write_text('path,language\n' + rows)
            cli('import', c/f'first{j}.csv', '--store', st, '-q'); rc, out, err, dt, _ = cli('import', c/f'second{j}.csv', '--store', st, '-q')
            labels = sorted({x.lang for x in read_store_catalog(open_store(st)) if x.sha256 == A})
            return rc not in (0, None) and labels == ['en'], f"exit {rc}; labels of a.wav's audio: {labels}; {short(err or out, 200)}"
        case(G, f'a.wav,en imported, {name}', f"second manifest: {rows.strip()!r}", "exit != 0 (a conflict), the audio stays en only", two)

def cli_corrupt(work:Path):
    "A store copy damaged behind the catalog's back, re-imported: repaired (stored bytes match the catalog's sha256)."
    G = 'corrupted store copy (import)'
    from langclass.store import open_store, read_store_catalog
    c = work/'corrupt-corpus'; c.mkdir(exist_ok=True); st_dir = work/'corrupt-store'; shutil.rmtree(st_dir, ignore_errors=True)
    kinds = ['100 bytes overwritten, same size', 'cut to half', 'deleted', '1000 bytes appended', 'all zeros, same size', 'replaced by another clip of the same size']
    for i in range(len(kinds) + 1):
        sf.write(c/f'k{i}.wav', (0.2 * np.sin(2 * np.pi * (400 + 30 * i) * np.arange(16000) / 16000)).astype(np.float32), 16000)
    (c/'m.csv').write_text('path,language\n' + ''.join(f'k{i}.wav,en\n' for i in range(len(kinds))))
    rc0 = cli('import', c/'m.csv', '--store', st_dir, '-q')[0]
    st = open_store(st_dir); clips = {Path(x.mp3_url).name: x for x in read_store_catalog(st)}
    for i, k in enumerate(kinds):
        p = st.local_path(clips[f'k{i}.wav'].key); data = bytearray(p.read_bytes())
        if i == 0: data[200:300] = bytes(100)
        elif i == 1: data = data[:len(data) // 2]
        elif i == 3: data += bytes(1000)
        elif i == 4: data = bytearray(len(data))
        elif i == 5: data = bytearray((c/f'k{len(kinds)}.wav').read_bytes())
        if i == 2: p.unlink()
        else: p.write_bytes(bytes(data))
    rc, out, err, dt, _ = cli('import', c/'m.csv', '--store', st_dir, '-q')
    for i, k in enumerate(kinds):
        def one(i=i):
            x = {Path(y.mp3_url).name: y for y in read_store_catalog(st)}[f'k{i}.wav']; p = st.local_path(x.key)
            good = p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == x.sha256 == hashlib.sha256((c/f'k{i}.wav').read_bytes()).hexdigest()
            return rc == 0 and good, f"first import exit {rc0}, re-import exit {rc} ({short(out, 120)}); stored copy matches the catalog and the source: {good}"
        case(G, f'store copy {k}, then re-import', f"raw/... of k{i}.wav {k}; langclass import m.csv again", "exit 0, the stored copy repaired (its sha256 = the catalog's = the source's)", one)

def cli_speech(store:Path, enc_store:Path|None, work:Path):
    "The no-speech check on non-speech signals and on speech: CNN level gate (default), CNN --vad, encoder model (Silero VAD)."
    G = 'no-speech check'
    d = work/'speech'; d.mkdir(exist_ok=True)
    sigs = nonspeech(); files = {}
    for k, y in sigs.items():
        p = d/(re.sub(r'[^a-z0-9]+', '-', k.lower()).strip('-') + '.wav'); sf.write(p, y, 16000, subtype='FLOAT'); files[k] = p
    speech = sorted(store.glob('raw/*/*.mp3'))[:6] + sorted(store.glob('raw/zh/*.mp3'))[:6]
    runs = [('CNN, level gate (default)', ['--store', store, '--model', 'tiny'], True), ('CNN --vad (Silero)', ['--store', store, '--model', 'tiny', '--vad'], False)]
    if enc_store is not None: runs.append(('encoder model (Silero VAD by default)', ['--store', enc_store, '--model', 'tiny-enc'], False))
    for label, extra, known in runs:
        rc, out, err, dt, _ = cli('predict', *files.values(), *speech, *extra, '--json', timeout=300)
        try: rows = {r['input']: r for r in json.loads(out)}
        except ValueError: rows = {}
        per = dt / (len(files) + len(speech))
        for k, p in files.items():
            r = rows.get(str(p), {})
            record(G, f'{label}: {k}', f"langclass predict {p.name} {' '.join(map(str, extra[2:]))} --json (3 s, 16 kHz)", 'no_speech: true',
                   r.get('no_speech') is True, f"exit {rc}; " + (f"no_speech={r.get('no_speech')}, lang={r.get('lang')} {r.get('prob')}" if r else short(err, 200)), per, known=known)
        for p in speech:
            r = rows.get(str(p), {})
            record(G, f'{label}: speech {p.parent.name}/{p.name[-16:]}', f"langclass predict {p.name} (espeak speech, {p.parent.name})", 'not flagged no_speech',
                   bool(r) and r.get('no_speech') is False, f"exit {rc}; " + (f"no_speech={r.get('no_speech')}, lang={r.get('lang')}, speech {r.get('speech_seconds')} of {r.get('seconds')} s" if r else short(err, 200)), per)

def cli_models(store:Path, work:Path, clip:Path):
    "Swapped or damaged model files, and script or bad codes in a model's langs: refused on load, naming the file."
    G = 'model files and config (predict/serve)'
    src = store/'models'/'tiny'
    other = work/'cache'/'other-store'/'models'/'other'
    if not (other/'model.tflite').exists():
        code = ("import json,sys; from langclass.features import FeatureConfig; from langclass.model import ModelConfig, LangModel, build_model, save_model; "
                f"c=json.load(open({str(src/'config.json')!r})); f=FeatureConfig.from_dict(c['feature_config']); m=ModelConfig.from_dict(c['model_config']); "
                f"save_model(LangModel(build_model(f.input_shape, 2, m), ('en','zh'), f, m, meta={{'name':'other'}}), {str(other.parent.parent)!r}, 'other')")
        subprocess.run([sys.executable, '-c', code], env=ENV, capture_output=True, timeout=300)
    def copy(name) -> Path:
        dst = work/'models'/name/'models'/'tiny'; shutil.rmtree(dst.parent.parent, ignore_errors=True); shutil.copytree(src, dst); return dst
    tfl = (src/'model.tflite').read_bytes()
    variants = [('model.tflite swapped for another LiteRT model of the same input shape', 'model.tflite', lambda: (other/'model.tflite').read_bytes()),
                ('model.tflite with one byte flipped', 'model.tflite', lambda: tfl[:5000] + bytes([tfl[5000] ^ 1]) + tfl[5001:]),
                ('model.tflite cut to half', 'model.tflite', lambda: tfl[:len(tfl) // 2]),
                ('model.tflite with a byte appended', 'model.tflite', lambda: tfl + b'\0'),
                ('model.tflite empty', 'model.tflite', lambda: b'')]
    for i, (name, fn, data) in enumerate(variants):
        def one(i=i, fn=fn, data=data):
            d = copy(f'swap{i}'); (d/fn).write_bytes(data())
            rc, out, err, dt, _ = cli('predict', clip, '--model', d)
            return clear_error(rc, err, fn) and 'SHA-256' in err, f"exit {rc}; {short(err or out, 220)}"
        case(G, f'predict: {name}', f"langclass predict CLIP --model COPY/models/tiny ({name})", "refused: a clear error naming model.tflite and its SHA-256", one)
    def keras():
        d = copy('keras'); (d/'model.keras').write_bytes((other/'model.keras').read_bytes())
        rc, out, err, dt, _ = cli('export', '--store', d.parent.parent, '--model', 'tiny', '--force', timeout=240)
        return clear_error(rc, err, 'model.keras') and 'SHA-256' in err, f"exit {rc} in {dt:.1f} s; {short(err or out, 220)}"
    case(G, 'export: model.keras swapped for another model\'s', 'langclass export --model tiny --force (model.keras of another model)', "refused: a clear error naming model.keras and its SHA-256", keras)
    def serve_swapped():
        from langclass.testing import free_port
        d = copy('swap-serve'); (d/'model.tflite').write_bytes((other/'model.tflite').read_bytes())
        rc, out, err, dt, _ = cli('serve', '--model', d, '--port', free_port(), '-q', timeout=60)
        return clear_error(rc, err, 'model.tflite'), f"exit {rc} in {dt:.1f} s; {short(err or out, 220)}"
    case(G, 'serve: model.tflite swapped', 'langclass serve --model COPY (another model.tflite)', 'refuses to start: a clear error naming model.tflite', serve_swapped)
    for j, (name, langs) in enumerate([('<img src=x onerror=alert(1)> as a code', ['en', '<img src=x onerror=alert(1)>']), ('"ez" (a string)', 'ez'),
                                       ('"><script>alert(1)</script> as a code', ['en', '"><script>alert(1)</script>']), ('javascript:alert(1) as a code', ['en', 'javascript:alert(1)']),
                                       ('a code twice', ['en', 'en']), ('a 17-letter code', ['en', 'a' * 17]), ('a number', ['en', 3]),
                                       ('a right-to-left override in a code', ['en', 'zh\u202e']), ('a dict', {'en': 1, 'zh': 2}), ('an empty list', [])]):
        def one(j=j, langs=langs):
            d = copy(f'langs{j}'); conf = json.loads((d/'config.json').read_text()); conf['langs'] = langs
            (d/'config.json').write_text(json.dumps(conf, indent=1, ensure_ascii=False))
            rc, out, err, dt, _ = cli('predict', clip, '--model', d)
            return clear_error(rc, err, 'config.json'), f"exit {rc}; {short(err or out, 220)}"
        case(G, f'predict: config.json langs with {name}', f"langs = {json.dumps(langs, ensure_ascii=True)}", "refused on load: a clear error naming config.json", one)
    def serve_script():
        from langclass.testing import free_port
        d = copy('langs-serve'); conf = json.loads((d/'config.json').read_text()); conf['langs'] = ['en', '<img src=x onerror=alert(1)>']
        (d/'config.json').write_text(json.dumps(conf))
        rc, out, err, dt, _ = cli('serve', '--model', d, '--port', free_port(), '-q', timeout=60)
        return clear_error(rc, err, 'config.json'), f"exit {rc} in {dt:.1f} s; {short(err or out, 220)}"
    case(G, 'serve: config.json langs with <img onerror>', "langs = ['en', '<img src=x onerror=alert(1)>']", 'refuses to start: a clear error naming config.json', serve_script)

def cli_threshold(store:Path, clip:Path):
    G = 'threshold/params (predict)'
    for v in ('nan', 'inf', '-inf', '1e400', '-5', '1.5'):
        def one(v=v):
            rc, out, err, dt, _ = cli('predict', clip, '--store', store, '--model', 'tiny', f'--threshold={v}')
            return clear_error(rc, err, 'threshold'), f"exit {rc}; {short(err or out, 200)}"
        case(G, f'predict --threshold {v}', f"langclass predict CLIP --threshold={v}", "exit != 0 with a clear error naming --threshold", one)

def cli_mpg123(store:Path, work:Path, good:bytes, srv:Server|None):
    G = 'libmpg123 warnings'
    d = work/'mp3s'; d.mkdir(exist_ok=True)
    bad = {'garbage in the middle': good[:4000] + bytes(range(256)) * 40 + good[14000:], 'cut at half': good[:len(good) // 2],
           'junk before the first frame': os.urandom(3000) + good, 'every 50th byte zeroed': bytes(0 if i % 50 == 0 and i > 2000 else b for i, b in enumerate(good)),
           'Xing/Info renamed and cut': strip_xing(good)[:len(good) // 3]}
    for k, data in bad.items():
        p = d/(re.sub(r'[^a-z0-9]+', '-', k) + '.mp3'); p.write_bytes(data)
        def one(p=p):
            rc, out, err, dt, _ = cli('predict', p, '--store', store, '--model', 'tiny')
            return 'mpg123' not in err.lower() and TB not in err and rc is not None, f"exit {rc}; stderr: {short(err, 200)!r}"
        case(G, f'predict: MP3 {k}', f"langclass predict {p.name}", "no libmpg123 line on stderr (an answer or one clear error)", one)
    if srv is not None:
        for k, data in bad.items(): req(srv.port, 'POST', '/v1/predict', data, {'Content-Type': 'audio/mpeg'})
        def log():
            t = srv.log.read_text(errors='replace'); n = t.lower().count('mpg123')
            return n == 0, f"{n} libmpg123 lines in the serve log ({len(t)} bytes)"
        case(G, 'serve: the damaged MP3s posted', 'POST /v1/predict with each damaged MP3', 'no libmpg123 line in the serve log', log)

def cli_truncated(work:Path):
    "Truncated MP3s on a site replica: with a frame count (header) and without (the page's duration decides)."
    G = 'truncated MP3 (download)'
    from dataclasses import replace
    from langclass.replica import Replica, sample_items, tone_mp3
    from langclass.store import open_store, read_store_catalog
    base = sample_items(10, ('en',))
    t4, t12, t20 = tone_mp3(300, 4.0), tone_mp3(310, 12.0), tone_mp3(320, 20.0)
    def cut(b, frac): return b[:int(len(b) * frac)]
    spec = [('whole 4 s MP3, page 4 s (control)', t4, 4.0, True), ('4 s MP3 cut at half, Xing kept (header announces 4 s)', cut(t4, 0.5), 4.0, False),
            ('4 s MP3 cut at half, Xing/Info renamed, page 4 s', cut(strip_xing(t4), 0.5), 4.0, False),
            ('whole 4 s MP3, Xing/Info renamed, page 4 s (no false reject)', strip_xing(t4), 4.0, True),
            ('12 s MP3 cut to 5.9 s, Xing/Info renamed, page 12 s (the demo\'s case)', cut(strip_xing(t12), 0.49), 12.0, False),
            ('20 s MP3 cut to 17 s, Xing/Info renamed, page 20 s', cut(strip_xing(t20), 0.85), 20.0, False),
            ('20 s MP3 cut to 19.4 s, Xing/Info renamed, page 20 s (within tolerance)', cut(strip_xing(t20), 0.97), 20.0, True),
            ('whole 4 s VBR MP3 without its Xing frame (removed, not renamed), page 4 s (no false reject)', drop_xing_frame(t4), 4.0, True),
            ('4 s VBR MP3 without its Xing frame, cut at half, page 4 s', cut(drop_xing_frame(t4), 0.5), 4.0, False),
            ('12 s MP3, Xing/Info renamed, cut to 5.9 s, page says 0:12 with an ID3 tag in front', b'ID3\x04\x00\x00\x00\x00\x00\x0a' + bytes(10) + cut(strip_xing(t12), 0.49), 12.0, False)]
    items = [(replace(c, duration=dur), mp3) for (c, _), (_, mp3, dur, _) in zip(base, spec)]
    st_dir = work/'trunc-store'; shutil.rmtree(st_dir, ignore_errors=True)
    with Replica(items) as rep:
        r1 = cli('crawl', '--site', rep.url, '--lang', 'en', '--rate', '200', '--store', st_dir, '-q', timeout=120)
        rc, out, err, dt, _ = cli('download', '--store', st_dir, '--rate', '200', '-q', timeout=120)
    cat = {c.clip_id: c for c in read_store_catalog(open_store(st_dir))}
    for (c, _), (name, mp3, dur, keep) in zip(items, spec):
        x = cat.get(c.clip_id)
        def one(x=x, keep=keep):
            if x is None: return False, f"not in the catalog (crawl exit {r1[0]}: {short(r1[2], 150)})"
            have = bool(x.sha256) and not x.error and (st_dir/x.key).is_file()
            obs = f"download exit {rc}; {'stored' if have else 'not stored'}; error: {x.error or '-'}"
            return (have if keep else (not have and 'bad mp3' in (x.error or '') and not (st_dir/x.key).is_file())), obs
        case(G, name, f"{len(mp3):,} bytes, page duration {dur:g} s", "stored" if keep else "refused as 'bad mp3', nothing stored", one)
    d = work/'vbr'; d.mkdir(exist_ok=True)
    speech = sorted((tiny_store()/'raw/en').glob('*.mp3'))[0]
    for name, data in [('Xing/Info renamed', strip_xing(speech.read_bytes())), ('Xing frame removed', drop_xing_frame(speech.read_bytes()))]:
        p = d/(re.sub(r'[^a-z]+', '-', name.lower()) + '.mp3'); p.write_bytes(data)
        full = sf.info(speech).duration
        def pred(p=p, full=full):
            rc, out, err, dt, _ = cli('predict', p, '--store', tiny_store(), '--model', 'tiny', '--json')
            try: secs = json.loads(out)[0].get('seconds')
            except (ValueError, IndexError): secs = None
            return secs is not None and secs >= 0.9 * full or clear_error(rc, err, p.name), f"exit {rc}; classified {secs} s of the {full:.1f} s clip; {short(err, 150)}"
        case(G, f'predict: a whole {sf.info(speech).duration:.1f} s speech MP3, {name}', f"langclass predict {p.name} --json ({len(data):,} bytes)",
             "the whole clip classified (>= 90 % of its length) or a clear error; not a silent cut", pred)

def tiny_store() -> Path:
    from langclass.testing import tiny_model_store
    return tiny_model_store()

def cli_ctrl_c(work:Path, store:Path, urlsrv:URLServer):
    G = 'Ctrl-C'
    from langclass.replica import Replica, sample_items
    st = work/'ctrlc-store'; shutil.rmtree(st, ignore_errors=True)
    with Replica(sample_items(10, ('en', 'fr'))) as rep:
        cli('crawl', '--site', rep.url, '--lang', 'en', '--lang', 'fr', '--rate', '200', '--store', st, '-q', timeout=120)
        for presses in (1, 2):
            f = rep.fault('/IMG/*', 'slow', delay=60)
            def one(f=f, presses=presses):
                marks = []
                rc, out, err, dt, _ = cli('download', '--store', st, '--rate', '200', '-q', timeout=90, marks=marks,
                                          signals=[(lambda: f.hits >= 1, signal.SIGINT)] + [(0.05, signal.SIGINT)] * (presses - 1))
                took = time.monotonic() - marks[0] if marks else float('nan')
                said = '(Ctrl-C again exits at once)' in err
                return said and rc in (130, -2) and took < 5, f"exit {rc}, {took:.2f} s after the first press; stderr: {short(err, 200)!r}"
            case(G, f'download waiting for headers, {presses} Ctrl-C', f"langclass download, the site answers after 60 s; SIGINT x{presses}",
                 "the first press says a second exits at once; exit 130 within 5 s", one)
            rep.clear_faults()
    u = urlsrv.url('silent')
    def url_one():
        marks = []; rc, out, err, dt, _ = cli('predict', u, '--store', store, '--model', 'tiny', '--timeout', '60', timeout=90, signals=[(3, signal.SIGINT)], marks=marks)
        took = time.monotonic() - marks[0] if marks else float('nan')
        return rc in (130, -2) and took < 5 and TB not in err, f"exit {rc} {took:.2f} s after the press; stderr: {short(err, 200)!r}"
    case(G, 'predict URL waiting for headers, 1 Ctrl-C', f"langclass predict {u} --timeout 60; SIGINT at 3 s", "exit 130 within 5 s of the press, no traceback", url_one)
    m = Mute('silent')
    def s3_one():
        marks = []; rc, out, err, dt, _ = cli('sync', store, 's3://bench/ctrlc', '--endpoint-url', m.url, '-q', timeout=120, signals=[(3, signal.SIGINT)], marks=marks)
        took = time.monotonic() - marks[0] if marks else float('nan')
        return rc in (130, -2) and took < 5 and TB not in err, f"exit {rc} {took:.2f} s after the press; stderr: {short(err, 200)!r}"
    case(G, 'sync to a silent S3 endpoint, 1 Ctrl-C', "langclass sync STORE s3://bench/ctrlc (silent endpoint); SIGINT at 3 s", "exit 130 within 5 s of the press, no traceback", s3_one)

# ---------------------------------------------------------------- main
def table(rows:list[dict]) -> str:
    groups = list(dict.fromkeys(r['group'] for r in rows))
    L = [f"{'group':38} {'tried':>5} {'held':>5} {'failed':>6} {'known':>5} {'seconds':>8}"]
    for g in groups:
        R = [r for r in rows if r['group'] == g]
        L.append(f"{g:38} {len(R):5} {sum(r['held'] for r in R):5} {sum(not r['held'] for r in R):6} {sum(r['known'] and not r['held'] for r in R):5} {sum(r['seconds'] for r in R):8.1f}")
    L.append(f"{'all':38} {len(rows):5} {sum(r['held'] for r in rows):5} {sum(not r['held'] for r in rows):6} {sum(r['known'] and not r['held'] for r in rows):5}")
    return '\n'.join(L)

GROUPS = ('serve', 'bombs', 'urls', 's3', 'parts', 'conflicts', 'corrupt', 'speech', 'models', 'threshold', 'mpg123', 'truncated', 'ctrlc')

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default='/tmp/langclass-bench-hostile'); ap.add_argument('--only', default='', help=f"groups: {','.join(GROUPS)}")
    a = ap.parse_args()
    want = set(a.only.split(',')) if a.only else set(GROUPS)
    out = Path(a.out); cache = out/'cache'; cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='lc-hostile-')); T0 = time.monotonic()
    sys.path.insert(0, str(ROOT))
    from langclass.testing import tiny_model_store
    store = tiny_model_store()
    enc = Path(tempfile.gettempdir())/'langclass-tiny-encoder-v2'/'store'
    enc = enc if (enc/'models/tiny-enc/config.json').is_file() else None
    clip = sorted(store.glob('raw/en/*.mp3'))[0]; clip_bytes = clip.read_bytes()
    clip2 = mp3_bytes(synth_speech(2.0)); good = clip_bytes
    manifest = work/'m-corpus'; manifest.mkdir(); sf.write(manifest/'a.wav', synth_speech(1.0), 16000); (manifest/'m.csv').write_text('path,language\na.wav,en\n')
    urlsrv = URLServer({'good.mp3': good, 'bomb.flac': write_zeros(cache/'z-192k-2ch-590s.flac', 'FLAC', 'PCM_16', 192000, 2, 590).read_bytes()})
    report = {'started': time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()), 'machine': f"{os.cpu_count()} cores", 'encoder_model': bool(enc)}
    t = time.monotonic(); prepare(cache); print(f"inputs ready in {time.monotonic() - t:.1f} s", flush=True)
    srv = mon = None
    bg = ThreadPoolExecutor(2)  # the waits that cost no CPU run beside the rest
    futs = []
    if 's3' in want: futs.append(bg.submit(cli_s3_silent, store, work, manifest/'m.csv', clip))
    try:
        if 'serve' in want or 'mpg123' in want:
            srv = Server(store, 'tiny', work); print(f"server on 127.0.0.1:{srv.port}, RSS {srv.rss():.0f} MB", flush=True)
        if 'serve' in want:
            mon = NOW['monitor'] = Monitor(srv, clip_bytes); time.sleep(3)
            mon.phase = 'attack'; box = {}
            server_connections(srv, box)
            server_bombs(srv, cache); server_params(srv, clip2); server_hosts(srv, clip2); server_multipart(srv, clip2); server_page(srv)
            check_connections(srv, box, mon)
            mon.phase = 'after'; NOW['case'] = ''; time.sleep(3); mon.stop(); NOW['monitor'] = None
            report['monitor'] = mon.summary(); print(json.dumps(report['monitor']), flush=True)
            lat = report['monitor'].get('attack', {})
            record('goals (serve)', 'server RSS peak under attack', 'all server attacks above', '<= 400 MB', lat.get('rss_peak_mb', 1e9) <= 400,
                   f"{lat.get('rss_peak_mb')} MB (baseline {report['monitor'].get('baseline', {}).get('rss_peak_mb')} MB); highest during: " +
                   '; '.join(f"{r['name']} {r['server_rss_peak_mb']} MB" for r in sorted((r for r in RESULTS if r.get('server_rss_peak_mb')),
                                                                                        key=lambda r: -r['server_rss_peak_mb'])[:3]), 0)
            record('goals (serve)', 'normal 10.8 s clip latency under attack', 'POST a 10.8 s MP3 every 0.25 s', 'every answer 200 in <= 1 s',
                   lat.get('max_ms') is not None and lat['max_ms'] <= 1000 and lat.get('non_200') == 0,
                   f"{lat.get('requests')} requests, p50 {lat.get('p50_ms')} ms, p95 {lat.get('p95_ms')} ms, max {lat.get('max_ms')} ms, non-200 {lat.get('non_200')}; "
                   f"over 1 s or not 200: {lat.get('slow_requests')}", 0)
            log = srv.log.read_text(errors='replace')
            record('goals (serve)', 'no traceback in the serve log', 'everything above', 'no traceback', TB not in log, f"{log.count(TB)} tracebacks; {short(log, 200)}", 0)
        if 'mpg123' in want: cli_mpg123(store, work, good, srv)
    finally:
        if mon: mon.stop_ev.set()
        if srv: srv.stop()
    steps = [('bombs', lambda: cli_bombs(cache, store, urlsrv)), ('urls', lambda: cli_urls(store, urlsrv, good)),
             ('threshold', lambda: cli_threshold(store, clip)), ('conflicts', lambda: cli_conflicts(work)), ('corrupt', lambda: cli_corrupt(work)),
             ('models', lambda: cli_models(store, work, clip)), ('speech', lambda: cli_speech(store, enc, work)), ('parts', lambda: cli_sync_parts(work, store)),
             ('truncated', lambda: cli_truncated(work)), ('ctrlc', lambda: cli_ctrl_c(work, store, urlsrv))]
    for g, fn in steps:
        if g not in want: continue
        t = time.monotonic()
        try: fn()
        except Exception as e: record(g, f'{g}: the group did not finish', '', 'finishes', False, f"{type(e).__name__}: {e}", time.monotonic() - t)
        print(f"{g}: {time.monotonic() - t:.1f} s", flush=True)
    for f in futs: f.result()
    bg.shutdown()
    report['seconds'] = round(time.monotonic() - T0, 1)
    rows = RESULTS
    report.update(tried=len(rows), held=sum(r['held'] for r in rows), failed=sum(not r['held'] for r in rows),
                  failed_known=sum(not r['held'] and r['known'] for r in rows), cases=rows)
    (out/'results.json').write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print('\n' + table(rows))
    print(f"\ntried {report['tried']}, held {report['held']}, failed {report['failed']} (of which {report['failed_known']} known: the CNN's level gate); "
          f"{report['seconds']:.0f} s in all")
    for r in rows:
        if not r['held']: print(f"FAILED{' (known)' if r['known'] else ''} [{r['group']}] {r['name']}\n    input: {r['input']}\n    expected: {r['expected']}\n    observed: {r['observed']}")
    print(f"\nresults: {out/'results.json'}")
    shutil.rmtree(work, ignore_errors=True)

if __name__ == '__main__':
    main()
