#!/usr/bin/env python
"""Load benchmark of `langclass serve`: N requests of 10 s MP3 clips at concurrency C against a real server.

    python bench/bench_serve.py [--requests 500] [--concurrency 16] [--clips synth|speech] [--model STORE/models/NAME] [--workers 0] [--serve-args '--processes 2 --batch 4']

The server runs in its own process (`langclass serve`, uvicorn, the model's LiteRT export, a pool of
`--workers` threads; 0: the server's default) on 127.0.0.1; the client is this process: C threads, each with its own
keep-alive connection, posting the raw MP3 (`Content-Type: audio/mpeg`). Without `--model`, an untrained
CNN with the default FeatureConfig and ModelConfig (six outputs) is saved into a temporary store: the
cost per request does not depend on the weights. Prints p50/p95/p99 latency, throughput, errors, the
server's RSS after start, after warm-up and after the run, the server's own time per clip (decode,
features, model; from the answers), and the load average. The client shares the machine's cores.
"""
import os, sys, json, time, argparse, shlex, subprocess, tempfile, threading, io, http.client
from pathlib import Path

def tree(pid:int) -> list[int]:
    "`pid` and its descendants (`serve --processes N` forks N)."
    out, todo = [], [pid]
    while todo:
        p = todo.pop(); out.append(p)
        for t in Path(f'/proc/{p}/task').glob('*/children'):
            try: todo += [int(c) for c in t.read_text().split()]
            except OSError: pass
    return out

def rss_mb(pid:int) -> float:
    "Resident memory of `pid` and its descendants, MB."
    total = 0.
    for p in tree(pid):
        try: total += next(int(l.split()[1]) for l in Path(f'/proc/{p}/status').read_text().splitlines() if l.startswith('VmRSS:')) / 1024
        except (OSError, StopIteration): pass
    return total

def cpu_s(pid:int) -> float:
    "User + system CPU seconds of process `pid` and its descendants (all their threads)."
    total = 0.
    for p in tree(pid):
        try: f = Path(f'/proc/{p}/stat').read_text().rsplit(')', 1)[1].split()
        except OSError: continue
        total += (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
    return total

def make_model(root:Path) -> Path:
    "An untrained default-config model saved (with its LiteRT export) in a store under `root`."
    code = ("import sys; from langclass.features import FeatureConfig; from langclass.model import ModelConfig, LangModel, build_model, save_model; "
            "f, m = FeatureConfig(), ModelConfig(); "
            "lm = LangModel(build_model(f.input_shape, 6, m), ('de','en','es','fr','ru','zh'), f, m, meta={'name': 'bench'}); "
            f"save_model(lm, {str(root)!r}, 'bench')")
    subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'})
    return root/'models'/'bench'

def speech_clips(n:int=8) -> list[bytes]:
    "`n` different 10 s MP3 clips of espeak-ng speech (16 kHz mono), in turn in six languages, sentences and 0.4 s pauses."
    import numpy as np, soundfile as sf
    from scipy.signal import resample_poly
    from langclass.speech import synth
    from langclass.demo import sentence_pool
    langs, out = ('en', 'fr', 'de', 'es', 'ru', 'zh'), []
    for i in range(n):
        lang, parts, total = langs[i % len(langs)], [], 0
        for sent in sentence_pool(lang, 0, 1)[i // len(langs):] * 4:
            y, sr = synth(sent, lang, seed=i)
            y = resample_poly(y, 160, sr // 100).astype(np.float32)
            parts += [y, np.zeros(6400, np.float32)]; total += len(y) + 6400
            if total >= 160_000: break
        y = np.concatenate(parts)[:160_000]; y = 0.7 * y / np.abs(y).max()
        buf = io.BytesIO(); sf.write(buf, y, 16000, format='MP3'); out.append(buf.getvalue())
    return out

def clips(n:int=8) -> list[bytes]:
    "`n` different 10 s speech-like MP3 clips (synthetic: harmonics, formants and pauses; the VAD finds too little speech in one of the eight)."
    import soundfile as sf
    from langclass.features import synth_signal
    out = []
    for i in range(n):
        buf = io.BytesIO(); sf.write(buf, synth_signal(10.0, f0=110 + 15 * i, seed=i), 16000, format='MP3'); out.append(buf.getvalue())
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--requests', type=int, default=500)
    ap.add_argument('--concurrency', type=int, default=16)
    ap.add_argument('--model', help='an artifact folder STORE/models/NAME (default: an untrained default-config CNN)')
    ap.add_argument('--workers', type=int, default=0, help="the server's pool threads (0: its default, the cores shared among the processes)")
    ap.add_argument('--warmup', type=int, default=20)
    ap.add_argument('--clips', default='synth', choices=('synth', 'speech'),
                    help="synth: eight synthetic speech-like signals (one judged no speech: the whole clip is read by the VAD); speech: eight of espeak-ng speech")
    ap.add_argument('--serve-args', default='', help="more arguments of `langclass serve`, e.g. '--http h11'")
    a = ap.parse_args()
    from langclass.testing import free_port, wait_port
    tmp = tempfile.TemporaryDirectory()
    model = Path(a.model) if a.model else make_model(Path(tmp.name)/'store')
    data = clips() if a.clips == 'synth' else speech_clips()
    port = free_port()
    t0 = time.time()
    srv = subprocess.Popen([sys.executable, '-m', 'langclass.cli', 'serve', '--model', str(model), '--port', str(port), '-q',
                            *(['--workers', str(a.workers)] if a.workers else []), *shlex.split(a.serve_args)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_port('127.0.0.1', port, timeout=120, proc=srv)
        started = time.time() - t0
        rss0 = rss_mb(srv.pid)
        lock, lat, errors, server_ms, codes = threading.Lock(), [], [], [], {}
        todo = iter(range(a.requests))
        def worker(count:bool=True, n:int|None=None):
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
            i = 0
            while True:
                if n is not None:
                    if i >= n: break
                    k = i
                else:
                    with lock:
                        k = next(todo, None)
                    if k is None: break
                i += 1
                body = data[k % len(data)]
                t = time.perf_counter()
                try:
                    conn.request('POST', '/v1/predict', body=body, headers={'Content-Type': 'audio/mpeg'})
                    r = conn.getresponse(); payload = r.read(); dt = time.perf_counter() - t
                    ok = r.status == 200
                    d = json.loads(payload)
                except Exception as e:
                    ok, dt, d = False, time.perf_counter() - t, {'error': repr(e)}
                    conn.close(); conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
                if not count: continue
                with lock:
                    lat.append(dt); codes[r.status if ok else 'error'] = codes.get(r.status if ok else 'error', 0) + 1
                    if ok: server_ms.append({**d['timings_ms'], 'no_speech': d.get('no_speech', False)})
                    else: errors.append(d)
            conn.close()
        worker(count=False, n=a.warmup)
        rss1 = rss_mb(srv.pid)
        load0 = os.getloadavg()[0]
        c0, s0 = time.process_time(), cpu_s(srv.pid); t = time.perf_counter()
        ths = [threading.Thread(target=worker) for _ in range(a.concurrency)]
        for th in ths: th.start()
        for th in ths: th.join()
        wall = time.perf_counter() - t; client_cpu = time.process_time() - c0; server_cpu = cpu_s(srv.pid) - s0
        rss2 = rss_mb(srv.pid)
        import numpy as np
        L = np.array(lat) * 1000
        sm = {k: float(np.mean([s.get(k, 0) for s in server_ms])) for k in ('decode', 'speech', 'features', 'model')} if server_ms else {}
        no_speech = sum(s['no_speech'] for s in server_ms)
        def gauge(name):  # of the process that answers (with --processes, one of them)
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30); conn.request('GET', '/metrics')
            text = conn.getresponse().read().decode(); conn.close()
            return next((float(l.split()[-1]) for l in text.splitlines() if l.startswith(name + ' ')), None)
        calls, inputs = gauge('langclass_batch_calls_total'), gauge('langclass_batch_inputs_total')
        print(f"langclass serve: {a.requests} requests of 10 s MP3 clips ({a.clips}, {len(data[0]):,} bytes), concurrency {a.concurrency}, "
              f"server pool {a.workers or 'the default'} threads, {os.cpu_count()} cores shared with the client; server args {a.serve_args!r}; model {model}")
        print("| measure | value |\n|---|---:|")
        rows = [('throughput, clips/s', f"{len(lat)/wall:.1f}"), ('latency p50, ms', f"{np.percentile(L, 50):.1f}"),
                ('latency p95, ms', f"{np.percentile(L, 95):.1f}"), ('latency p99, ms', f"{np.percentile(L, 99):.1f}"),
                ('latency max, ms', f"{L.max():.1f}"), ('errors', f"{len(errors)} (status counts {codes})"),
                ('answered no speech', f"{no_speech} of {len(server_ms)}"),
                ('model calls / inputs, mean batch (one process, with --batch)', f"{calls:.0f} / {inputs:.0f}, {inputs / max(calls, 1):.2f}" if calls else 'no batching'),
                ('server per clip (mean): decode / speech check / features / model, ms', ' / '.join(f"{sm.get(k, float('nan')):.2f}" for k in ('decode', 'speech', 'features', 'model'))),
                ('server RSS after start / warm-up / the run, MB', f"{rss0:.0f} / {rss1:.0f} / {rss2:.0f}"),
                ('server start to listening, s', f"{started:.1f}"),
                ('server CPU per request, ms (all threads)', f"{server_cpu / max(1, len(lat)) * 1000:.1f}"),
                ('server / client CPU, s (of the run)', f"{server_cpu:.1f} / {client_cpu:.1f} in {wall:.1f} s wall"),
                ('load average at start / end', f"{load0:.1f} / {os.getloadavg()[0]:.1f}")]
        for k, v in rows: print(f"| {k} | {v} |")
        if errors: print('first errors:', errors[:3])
    finally:
        srv.terminate()
        try: srv.wait(15)
        except subprocess.TimeoutExpired: srv.kill()
        tmp.cleanup()

if __name__ == '__main__': main()
