"""Benchmark: a normal 10 s clip's latency while long uploads flood the server, with the long lane (default) and with
one lane for everything (`--long-s` out of reach), in the same run (issue 29: "under the same attacks, a normal request
still answers in <= 1 s").

    python bench/bench_lanes.py [--long 4] [--rounds 3] [--out /tmp/langclass-bench-lanes]

Each configuration: `langclass serve` (the tiny CNN of `langclass.testing.tiny_model_store`, default workers, Silero VAD)
(`--max-mb 300`, so that the FLAC gets in) in its own process; `--rounds` times, `--long` uploads at once of 599 s of 48 kHz stereo FLAC (speech-like, the longest
the default 600 s limit admits), while a 10 s MP3 is posted every 0.25 s. Reported: the normal clip's p50/p95/max
latency during the flood, how many took over 1 s, the long uploads' statuses, and the server's peak RSS (VmRSS every 50 ms).
"""
import argparse, io, json, os, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np, requests, soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep), 'TF_CPP_MIN_LOG_LEVEL': '3'}
ENV.pop('LANGCLASS_SERVE_TOKEN', None)

def rss_mb(pid):
    try: return next(int(l.split()[1]) / 1024 for l in Path(f'/proc/{pid}/status').read_text().splitlines() if l.startswith('VmRSS:'))
    except (OSError, StopIteration): return float('nan')

def run(label, extra, store, long_body, clip, a):
    from langclass.testing import free_port, wait_port
    port = free_port(); url = f"http://127.0.0.1:{port}"
    p = subprocess.Popen([sys.executable, '-m', 'langclass.cli', 'serve', '--store', str(store), '--model', 'tiny', '--port', str(port), '-q', '--max-mb', '300', *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        wait_port('127.0.0.1', port, timeout=120, proc=p)
        while requests.get(f"{url}/readyz").status_code != 200: time.sleep(0.2)
        stop, lat, rss, statuses = threading.Event(), [], [], []
        def sample():
            while not stop.is_set(): rss.append(rss_mb(p.pid)); stop.wait(0.05)
        def probe():
            while not stop.is_set():
                t0 = time.monotonic(); r = requests.post(f"{url}/v1/predict", data=clip, headers={'Content-Type': 'audio/mpeg'}, timeout=60)
                lat.append((time.monotonic() - t0, r.status_code)); stop.wait(max(0, 0.25 - (time.monotonic() - t0)))
        def long_one(_):
            r = requests.post(f"{url}/v1/predict", data=long_body, headers={'Content-Type': 'audio/flac'}, timeout=120); return r.status_code
        th = [threading.Thread(target=sample, daemon=True)]; th[0].start()
        time.sleep(0.5); th.append(threading.Thread(target=probe, daemon=True)); th[1].start()
        for _ in range(a.rounds):
            with ThreadPoolExecutor(a.long) as ex: statuses += list(ex.map(long_one, range(a.long)))
        stop.set(); [t.join(70) for t in th]
    finally:
        p.terminate(); p.wait(30)
    ok = np.array([d for d, s in lat if s == 200]) * 1e3
    out = dict(config=label, normal_requests=len(lat), normal_non_200=sum(s != 200 for _, s in lat), p50_ms=round(float(np.median(ok)), 1),
               p95_ms=round(float(np.percentile(ok, 95)), 1), max_ms=round(float(ok.max()), 1), over_1s=int((ok > 1000).sum()),
               long_statuses={str(s): statuses.count(s) for s in sorted(set(statuses))}, rss_peak_mb=round(max(rss), 1))
    print(json.dumps(out), flush=True); return out

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--long', type=int, default=4); ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--out', default='/tmp/langclass-bench-lanes'); a = ap.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from langclass.testing import tiny_model_store
    from langclass.features import synth_signal, load_audio
    from langclass.store import LocalStore, read_store_catalog
    store = tiny_model_store()
    c = next(c for c in read_store_catalog(LocalStore(store)) if c.key and c.lang == 'en')
    y = load_audio(store/c.key, 16000); y10 = np.tile(y, 10 * 16000 // len(y) + 1)[:10 * 16000]
    buf = io.BytesIO(); sf.write(buf, y10, 16000, format='MP3'); clip = buf.getvalue()
    f = out/'long-599s-48k-stereo.flac'
    if not f.exists():
        with sf.SoundFile(f, 'w', 48000, 2, format='FLAC') as h:
            for s in range(599): h.write(np.stack([synth_signal(1.0, 48000, seed=s)] * 2, 1))
    long_body = f.read_bytes()
    res = [run('long lane (default: --long-s 60, --long-workers 1)', [], store, long_body, clip, a),
           run('one lane (--long-s 1e9)', ['--long-s', '1e9'], store, long_body, clip, a)]
    print(f"normal 10 s clip during {a.long} x {a.rounds} long uploads: max {res[0]['max_ms']} ms with the long lane, "
          f"{res[1]['max_ms']} ms with one lane ({res[1]['max_ms'] / res[0]['max_ms']:.1f}x); over 1 s: {res[0]['over_1s']} vs {res[1]['over_1s']}")
    (out/'results.json').write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
