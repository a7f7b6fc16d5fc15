#!/usr/bin/env python
"""Load and soak test of `langclass serve` on 127.0.0.1, bounded in time and count (issue 28).

    python bench/bench_soak.py [--model DIR ...] [--levels 1,16,64] [--requests 200] [--soak-minutes 10] [--soak-concurrency 16] [--serve-args '--processes 2']

For each model (artifact folders; default: an untrained default-config CNN, as bench_serve.py makes): a server in
its own process (`langclass serve -q`), then `--requests` requests at each concurrency of `--levels`, with mixed clip
lengths (2, 5, 10 and 30 s of speech-like MP3) and about 5 % bad uploads in the mix (not audio, an MP3 cut to 400
bytes, an empty body). Reported per level: valid clips per second, p50/p95/p99 latency of valid requests, errors on
valid requests, the bad uploads answered with the right 4xx, the server's CPU seconds per request. Then, for the
first model, a soak of `--soak-minutes` at `--soak-concurrency`: the server's RSS sampled every 10 s, its growth from
the first minute's mean to the last minute's. The client shares the machine's cores.

Measured (2 cores, a CI run beside it): untrained default CNN, 200 requests per level, 5 % bad uploads (all answered 4xx):
concurrency 1 / 16 / 64: 73.2 / 76.0 / 78.7 valid clips/s, p99 60 / 315 / 866 ms, 0 errors, 10.1-10.4 ms server CPU per request.
Soak 10 min at 16: 48,684 requests, 77.0 valid/s, p50/p95/p99 191/296/352 ms, 0 errors on valid input, 2,450 bad
uploads all 4xx, 12.0 ms CPU per request, RSS 137.3 -> 138.2 MB (+0.66 %). Encoder head (tiny-enc, mixed 2-30 s clips,
100 per level): 3.3 / 4.2 / 5.8 valid clips/s, 160-197 ms CPU per request, RSS 486-511 MB, 0 errors.
"""
import argparse, http.client, shlex, io, json, os, random, subprocess, sys, tempfile, threading, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from bench_serve import rss_mb, cpu_s, make_model

def mp3(seconds:float, seed:int) -> bytes:
    import soundfile as sf
    from langclass.features import synth_signal
    b = io.BytesIO(); sf.write(b, synth_signal(seconds, 16000, f0=110 + 7 * seed, seed=seed), 16000, format='MP3'); return b.getvalue()

def payloads():
    good = [(f"{s:g} s", mp3(s, i)) for i, s in enumerate((2, 5, 10, 30, 10, 5, 2, 10))]
    bad = [('not audio', b'<html>not audio</html>' * 20), ('cut MP3', good[2][1][:400]), ('empty', b'')]
    return good, bad

def start(model:str, port:int, args:str=''):
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'}
    p = subprocess.Popen([sys.executable, '-m', 'langclass.cli', 'serve', '--model', model, '--port', str(port), '-q', *shlex.split(args)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    t = time.time()
    while time.time() - t < 180:
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=2); c.request('GET', '/readyz')
            if c.getresponse().status == 200: return p
        except OSError: pass
        time.sleep(0.3)
    p.kill(); raise SystemExit(f"server for {model} not ready in 180 s")

def load(port:int, n:int, conc:int, good, bad, seed:int=0, until:float|None=None):
    "n requests (or until time `until`) at concurrency `conc`; per request (kind, status, seconds)."
    rng = random.Random(seed); lock = threading.Lock(); out = []; left = [n]
    def worker():
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
        while True:
            with lock:
                if (until is None and left[0] <= 0) or (until is not None and time.time() >= until): return
                left[0] -= 1
                name, body, kind = (*rng.choice(bad), 'bad') if bad and rng.random() < 0.05 else (*rng.choice(good), 'good')
            t0 = time.perf_counter()
            try:
                c.request('POST', '/v1/predict', body=body, headers={'Content-Type': 'audio/mpeg'})
                r = c.getresponse(); r.read(); st = r.status
                if r.getheader('connection', '').lower() == 'close': c.close(); c = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
            except Exception: st = 0; c.close(); c = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
            with lock: out.append((kind, name, st, time.perf_counter() - t0))
    th = [threading.Thread(target=worker) for _ in range(conc)]
    t0 = time.time(); [t.start() for t in th]; [t.join() for t in th]
    return out, time.time() - t0

def summary(res, wall, cpu):
    import numpy as np
    g = [r for r in res if r[0] == 'good']; ok = [r for r in g if r[2] == 200]; b = [r for r in res if r[0] == 'bad']
    lat = np.array([r[3] for r in ok]) * 1e3 if ok else np.array([np.nan])
    return {'requests': len(res), 'valid_per_s': round(len(ok) / wall, 1), 'p50_ms': round(float(np.percentile(lat, 50)), 1),
            'p95_ms': round(float(np.percentile(lat, 95)), 1), 'p99_ms': round(float(np.percentile(lat, 99)), 1),
            'valid_errors': len(g) - len(ok), 'bad': len(b), 'bad_answered_4xx': sum(400 <= r[2] < 500 for r in b),
            'cpu_ms_per_request': round(cpu / max(len(res), 1) * 1e3, 1)}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', action='append', help="artifact folder(s) (default: an untrained default-config CNN)")
    ap.add_argument('--levels', default='1,16,64'); ap.add_argument('--requests', type=int, default=200)
    ap.add_argument('--soak-minutes', type=float, default=10); ap.add_argument('--soak-concurrency', type=int, default=16)
    ap.add_argument('--serve-args', default='', help="more arguments of `langclass serve`, e.g. '--processes 2'")
    a = ap.parse_args()
    from langclass.testing import free_port
    models = a.model or [str(make_model(Path(tempfile.mkdtemp())/'store'))]
    good, bad = payloads(); report = {}
    for k, model in enumerate(models):
        port = free_port(); p = start(model, port, a.serve_args)
        try:
            load(port, 20, 4, good, [], seed=99)  # warm-up
            rows = {}
            for conc in map(int, a.levels.split(',')):
                c0 = cpu_s(p.pid); res, wall = load(port, a.requests, conc, good, bad, seed=conc)
                rows[conc] = summary(res, wall, cpu_s(p.pid) - c0); rows[conc]['rss_mb'] = round(rss_mb(p.pid), 1)
                print(f"{Path(model).name} concurrency {conc}: {rows[conc]}", flush=True)
            report[Path(model).name] = {'levels': rows}
            if k == 0 and a.soak_minutes > 0:
                samples, res_all, end = [], [], time.time() + a.soak_minutes * 60
                box = {}
                th = threading.Thread(target=lambda: box.update(r=load(port, 0, a.soak_concurrency, good, bad, seed=7, until=end)))
                c0 = cpu_s(p.pid); th.start()
                while th.is_alive():
                    samples.append((round(time.time() - (end - a.soak_minutes * 60), 1), round(rss_mb(p.pid), 1))); th.join(10)
                res, wall = box['r']
                s = summary(res, wall, cpu_s(p.pid) - c0)
                first = [m for t, m in samples if t <= 60]; last = [m for t, m in samples if t >= a.soak_minutes * 60 - 60]
                s.update(rss_first_min_mb=round(sum(first) / len(first), 1), rss_last_min_mb=round(sum(last) / len(last), 1),
                         rss_growth_pct=round(100 * (sum(last) / len(last) / (sum(first) / len(first)) - 1), 2), rss_samples=samples)
                report[Path(model).name]['soak'] = s
                print(f"soak {a.soak_minutes:g} min at {a.soak_concurrency}: " + json.dumps({k: v for k, v in s.items() if k != 'rss_samples'}), flush=True)
        finally:
            p.terminate(); p.wait(30)
    print(json.dumps(report, indent=1))
