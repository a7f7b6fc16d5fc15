#!/usr/bin/env python
"""Benchmark: `langclass sync` against `aws s3 sync`, folder -> local S3 server -> folder, same run.

Makes a corpus of real MP3 files (soundfile-encoded tones + noise at 320 kbit/s, cached in --corpus),
starts rclone's S3 server on 127.0.0.1 with enforced credentials, then, in rounds that alternate which
tool goes first, times three things for each command line tool, each run a fresh subprocess of the
same interpreter (`aws` from its `bin/`, `python -m langclass.cli`: start-up included on both sides,
no shell shims), with the same concurrency (`--workers N` for langclass, `max_concurrent_requests = N` for aws):

- upload: the folder to an empty prefix;
- no-op: the same sync again (nothing to copy);
- download: the prefix to an empty folder.

Prints every time with the machine's load average, then the medians, their ratios (aws time /
langclass time: above 1 is langclass faster) and the goals of issue 22. Not a test: run it by hand.

    python bench/bench_sync.py [--n 200] [--seconds 6.5] [--workers 10] [--rounds 5] [--baseline DIR]

`--baseline DIR` adds a third tool: `langclass sync` of another copy of the package (DIR holds its
`langclass/`, e.g. `git archive HEAD~3 langclass | tar -x -C DIR`), to show a change before/after.
"""
from __future__ import annotations
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

GOALS = {'upload': 1.5, 'download': 1.5, 'no-op': 3.0}  # issue 22: aws time / langclass time

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

CPU = []  # CPU seconds (user + system) of each timed process, in order

def timed(cmd, env, cwd) -> float:
    "Wall seconds of the process `cmd` (its CPU seconds appended to `CPU`)."
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t0; ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode: sys.exit(f"{' '.join(cmd[:3])} failed ({r.returncode}):\n{r.stdout[-2000:]}")
    CPU.append(ru.ru_utime - ru0.ru_utime + ru.ru_stime - ru0.ru_stime)
    return dt

def load() -> str: return '/'.join(f"{x:.1f}" for x in os.getloadavg())

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=200, help='number of MP3 files')
    ap.add_argument('--seconds', type=float, default=6.5, help='seconds of audio per file (320 kbit/s: 6.5 s is 250 kB)')
    ap.add_argument('--corpus', default=str(Path(tempfile.gettempdir())/'langclass-bench-mp3'))
    ap.add_argument('--workers', type=int, default=10, help='concurrent transfers, both tools (aws s3 sync defaults to 10)')
    ap.add_argument('--rounds', type=int, default=5, help='rounds, alternating which tool goes first; medians reported')
    ap.add_argument('--baseline', help="folder holding another copy of the langclass package, timed as a third tool")
    a = ap.parse_args()
    from langclass.testing import s3_server  # rclone's S3 server, keys enforced
    corpus = Path(a.corpus)
    t0 = time.perf_counter(); n, nbytes = make_corpus(corpus, a.n, a.seconds)
    mb = nbytes/1e6
    print(f"corpus: {n} MP3 files, {mb:.1f} MB in {corpus} ({time.perf_counter()-t0:.1f} s to make or find)")
    aws = str(Path(sys.executable).parent/'aws')
    if not Path(aws).exists(): sys.exit(f"{aws} not found: install awscli into {sys.executable}'s environment")
    import langclass; here = str(Path(langclass.__file__).parent.parent)  # the package timed, unless --baseline
    with s3_server(buckets=('bench',)) as srv, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp/'aws-config').write_text(f"[default]\ns3 =\n    max_concurrent_requests = {a.workers}\n")
        env = {**os.environ, **srv.env(), 'AWS_EC2_METADATA_DISABLED': 'true', 'AWS_CONFIG_FILE': str(tmp/'aws-config'),
               'AWS_SHARED_CREDENTIALS_FILE': os.devnull, 'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
               'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required', 'XDG_CACHE_HOME': str(tmp/'cache')}
        lc = [sys.executable, '-m', 'langclass.cli', 'sync']
        tools = {'aws s3 sync': ([aws, 's3', 'sync'], ['--only-show-errors'], env),
                 'langclass sync': (lc, ['--workers', str(a.workers), '--quiet'], {**env, 'PYTHONPATH': here})}
        if a.baseline:
            tools['langclass (baseline)'] = (lc, ['--workers', str(a.workers), '--quiet'],
                                             {**env, 'PYTHONPATH': str(Path(a.baseline).absolute())})
        times = {k: {'upload': [], 'no-op': [], 'download': []} for k in tools}
        cpu = {k: {'upload': [], 'no-op': [], 'download': []} for k in tools}
        floor = []  # the least any botocore tool does for a no-op: start, make an S3 client, list the prefix once
        floor_cmd = [sys.executable, '-c', "import botocore.session as s; c = s.get_session().create_client('s3'); "
                     "c.list_objects_v2(Bucket='bench', Prefix='tool0-round0/')"]
        names = list(tools)
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                pre, post, e = tools[name]
                i = names.index(name); uri, down = f"s3://bench/tool{i}-round{r}/", str(tmp/f"down-{r}-{i}")
                l0 = load()
                up = timed(pre + [str(corpus), uri] + post, e, tmp)
                noop = timed(pre + [str(corpus), uri] + post, e, tmp)
                dn = timed(pre + [uri, down] + post, e, tmp)
                for k, v, c in zip(('upload', 'no-op', 'download'), (up, noop, dn), CPU[-3:]): times[name][k].append(v); cpu[name][k].append(c)
                got = sorted(p.relative_to(down).as_posix() for p in Path(down).rglob('*.mp3'))
                assert len(got) == n and sum((Path(down)/g).stat().st_size for g in got) == nbytes, (name, len(got))
                print(f"round {r}: {name:22s} upload {up:.2f} s, no-op {noop:.2f} s, download {dn:.2f} s  (load {l0} -> {load()})", flush=True)
                shutil.rmtree(down)
            floor.append(timed(floor_cmd, env, tmp))
    med = {k: {op: statistics.median(v) for op, v in d.items()} for k, d in times.items()}
    mcpu = {k: {op: statistics.median(v) for op, v in d.items()} for k, d in cpu.items()}
    print(f"\nmedians of {a.rounds} rounds; {n} files, {mb:.1f} MB, {a.workers} concurrent transfers each; "
          f"{os.cpu_count()} cores, load now {load()}")
    others = [k for k in names if k != 'aws s3 sync']
    print('| | aws s3 sync | ' + ' | '.join(others) + ' | ' + ' | '.join(f'ratio aws/{k}' for k in others) + ' | goal |')
    print('|---' * (3 + 2*len(others)) + '|')
    for op in ('upload', 'download', 'no-op'):
        aw = med['aws s3 sync'][op]
        print(f"| {op} | {aw:.2f} s | " + ' | '.join(f"{med[k][op]:.2f} s" for k in others) + ' | '
              + ' | '.join(f"{aw/med[k][op]:.2f}x" for k in others) + f" | {GOALS[op]:g}x |")
    print('\nCPU seconds (user + system) of each process, medians:')
    for op in ('upload', 'download', 'no-op'):
        print(f"  {op:8s} " + ', '.join(f"{k} {mcpu[k][op]:.2f} s" for k in names))
    fl = statistics.median(floor)
    print(f"\nfloor of a no-op for any botocore-based tool (start Python, make the S3 client, one listing): {fl:.2f} s, "
          f"so aws/langclass no-op can be at most {med['aws s3 sync']['no-op']/fl:.2f}x here")

if __name__ == '__main__': main()
