"""Benchmark: peak memory of `langclass.features.load_audio` on long files, decoded whole (the path before
STREAM_SAMPLES) and a block at a time (downmixed and resampled as it streams), each in a fresh process.

    python bench/bench_decode_memory.py [--dir /tmp/langclass-bench-decode]

Cases: the hostile sweep's (issue 29): 599 s of 48 kHz stereo FLAC (the longest the server accepts at its 600 s
limit) and 590 s of 192 kHz stereo FLAC (under the CLI's budget), both of low-level noise (so FLAC cannot shrink
them to nothing), plus 60 s of 48 kHz stereo WAV. Reported: the process's peak RSS (ru_maxrss) minus its RSS
after importing langclass.features, i.e. what decoding the file costs; and whether the two waveforms are equal.
"""
import argparse, json, subprocess, sys
from pathlib import Path
import numpy as np, soundfile as sf

CHILD = r'''
import json, resource, sys, numpy as np
import langclass.features as F
if sys.argv[2] == 'whole': F.STREAM_SAMPLES = 1 << 62
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
y = F.load_audio(sys.argv[1])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
np.save(sys.argv[3], y)
print(json.dumps({'base_mb': base / 1024, 'peak_mb': peak / 1024, 'extra_mb': (peak - base) / 1024, 'samples': len(y)}))
'''

def write(path:Path, seconds:int, sr:int, fmt:str):
    "`seconds` of quiet noise in stereo, written a second at a time."
    if path.exists(): return path
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, 'w', sr, 2, format=fmt) as f:
        for _ in range(seconds): f.write((1e-3 * rng.standard_normal((sr, 2))).astype(np.float32))
    return path

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--dir', default='/tmp/langclass-bench-decode'); a = ap.parse_args()
    d = Path(a.dir); d.mkdir(parents=True, exist_ok=True)
    cases = {'60 s, 48 kHz stereo WAV': write(d/'60s-48k.wav', 60, 48_000, 'WAV'),
             '599 s, 48 kHz stereo FLAC': write(d/'599s-48k.flac', 599, 48_000, 'FLAC'),
             '590 s, 192 kHz stereo FLAC': write(d/'590s-192k.flac', 590, 192_000, 'FLAC')}
    out = {}
    for name, p in cases.items():
        r = {}
        for mode in ('whole', 'blocks'):
            res = subprocess.run([sys.executable, '-c', CHILD, str(p), mode, str(d/f'{p.stem}-{mode}.npy')], capture_output=True, text=True)
            if res.returncode: raise SystemExit(f"{name} {mode}: {res.stderr[-2000:]}")
            r[mode] = json.loads(res.stdout.strip().splitlines()[-1])
        equal = bool(np.array_equal(np.load(d/f'{p.stem}-whole.npy'), np.load(d/f'{p.stem}-blocks.npy')))
        out[name] = dict(file_mb=round(p.stat().st_size / 1e6, 1), whole_mb=round(r['whole']['extra_mb']), blocks_mb=round(r['blocks']['extra_mb']),
                         ratio=round(r['whole']['extra_mb'] / max(1, r['blocks']['extra_mb']), 1), equal=equal)
        print(f"{name} ({out[name]['file_mb']} MB file): decoded whole +{out[name]['whole_mb']} MB, a block at a time "
              f"+{out[name]['blocks_mb']} MB ({out[name]['ratio']}x less); waveforms equal: {equal}", flush=True)
    (d/'results.json').write_text(json.dumps(out, indent=1))

if __name__ == '__main__': main()
