#!/usr/bin/env python
"""Benchmark: `langclass.store.sync` against `aws s3 sync`, local folder -> local S3 server, same run.

Makes a corpus of real MP3 files (soundfile-encoded tones + noise at 320 kbit/s, cached in --corpus),
starts rclone's S3 server on 127.0.0.1 with enforced credentials, then times for each tool, each in a
fresh subprocess (interpreter start-up included for both): the first upload and a no-op re-sync.
Prints a table with throughputs and ratios. Not a test: run it by hand.

    python bench/bench_sync.py [--n 200] [--seconds 6.5] [--corpus /tmp/langclass-bench-mp3]
"""
from __future__ import annotations
import argparse, os, secrets, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

def make_mp3(args):
    "Write one MP3 (a tone chord plus noise, distinct per index) unless it exists."
    path, i, seconds = args
    if Path(path).exists(): return os.path.getsize(path)
    import numpy as np, soundfile as sf
    sr = 44100; rng = np.random.default_rng(i)
    t = np.arange(int(seconds*sr))/sr
    f = 110*2**(rng.integers(0, 36)/12)
    y = 0.25*np.sin(2*np.pi*f*t) + 0.15*np.sin(2*np.pi*1.5*f*t) + 0.15*rng.standard_normal(t.size)
    part = path + '.part.mp3'
    sf.write(part, y.astype(np.float32), sr, format='MP3', compression_level=0, bitrate_mode='CONSTANT')
    os.replace(part, path)
    return os.path.getsize(path)

def make_corpus(root:Path, n:int, seconds:float) -> tuple[int, int]:
    langs = ['en', 'ru', 'fr', 'es', 'zh', 'de']
    jobs = []
    for i in range(n):
        d = root/'raw'/langs[i % 6]; d.mkdir(parents=True, exist_ok=True)
        jobs.append((str(d/f'bench-{i:04d}.mp3'), i, seconds))
    with ProcessPoolExecutor(os.cpu_count() or 2) as ex: sizes = list(ex.map(make_mp3, jobs))
    return len(sizes), sum(sizes)

from langclass.testing import s3_server  # rclone's S3 server, keys enforced

def timed(cmd, env) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t0
    if r.returncode: sys.exit(f"{cmd[0]} failed ({r.returncode}):\n{r.stdout[-2000:]}")
    return dt

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=200, help='number of MP3 files')
    ap.add_argument('--seconds', type=float, default=6.5, help='seconds of audio per file (320 kbit/s)')
    ap.add_argument('--corpus', default=str(Path(tempfile.gettempdir())/'langclass-bench-mp3'))
    ap.add_argument('--workers', type=int, default=10, help='langclass sync workers (aws s3 sync: 10 concurrent requests)')
    ap.add_argument('--rounds', type=int, default=2, help='rounds, alternating which tool goes first; medians reported')
    a = ap.parse_args()
    corpus = Path(a.corpus)
    t0 = time.perf_counter(); n, nbytes = make_corpus(corpus, a.n, a.seconds)
    mb = nbytes/1e6
    print(f"corpus: {n} MP3 files, {mb:.1f} MB in {corpus} ({time.perf_counter()-t0:.1f} s to make or find)")
    aws = shutil.which('aws') or str(Path(sys.executable).parent/'aws')
    with s3_server(buckets=('aws', 'langclass')) as srv, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **srv.env(), 'AWS_EC2_METADATA_DISABLED': 'true',
               'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required', 'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required',
               'AWS_CONFIG_FILE': os.devnull, 'AWS_SHARED_CREDENTIALS_FILE': os.devnull}
        lc = lambda r: [sys.executable, '-c', f"from langclass.store import sync; r = sync({str(corpus)!r}, 's3://langclass/r{r}', "
                        f"workers={a.workers}, progress=False, cache_dir={str(Path(tmp)/'cache')!r}); assert r.ok, r"]
        aw = lambda r: [aws, 's3', 'sync', str(corpus), f's3://aws/r{r}', '--endpoint-url', srv.endpoint_url, '--only-show-errors']
        times = {'aws s3 sync': [], 'langclass sync': []}
        for r in range(a.rounds):
            tools = [('aws s3 sync', aw), ('langclass sync', lc)]
            for name, cmd in (tools if r % 2 == 0 else tools[::-1]):
                first = timed(cmd(r), env); noop = timed(cmd(r), env)
                times[name].append((first, noop)); print(f"round {r}: {name}: upload {first:.2f} s, no-op {noop:.2f} s", flush=True)
                bucket = name.split()[0]
                objs = [o for p in srv.client().get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=f'r{r}/') for o in p.get('Contents', [])]
                assert len(objs) == n and sum(o['Size'] for o in objs) == nbytes, (name, len(objs))
    import statistics
    rows = {k: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v)) for k, v in times.items()}
    (a_first, a_noop), (l_first, l_noop) = rows['aws s3 sync'], rows['langclass sync']
    print(f"\nmedians of {a.rounds} rounds\n| tool | upload s | MB/s | no-op re-sync s |\n|---|---|---|---|")
    for name, (first, noop) in rows.items(): print(f"| {name} | {first:.2f} | {mb/first:.1f} | {noop:.2f} |")
    print(f"\nthroughput ratio langclass/aws: {a_first/l_first:.2f}x; no-op ratio (aws time / langclass time): {a_noop/l_noop:.2f}x")
    print(f"machine: {os.cpu_count()} cores (shared), {n} files, {mb:.1f} MB, each run a fresh subprocess")

if __name__ == '__main__': main()
