"""Benchmark: does the no-speech check tell speech from everything else?

    python bench/bench_vad.py [--root DIR] [--min-speech 0.25]

Two checks on the same signals: the level gate that langclass used alone so far (`active_seconds`: 20 ms
frames louder than -50 dBFS, at least `--min-speech` seconds of them) and the Silero VAD that faster-whisper
ships (`langclass.encoders.speech_seconds`: at least `--min-speech` seconds of speech). A clip is *flagged*
when the check finds less than `--min-speech` seconds.

- Speech: every clip of the real-speech development set (`shared/realspeech-dev/build.py`, DIR/manifest.csv;
  313 clips of en, de, fr, es from 9 recording sources), decoded from its MP3. Flagging one is a false reject.
- Non-speech, 3 s each at 16 kHz, made here with a fixed seed: tones (100 Hz to 4 kHz, three levels), mains hum
  (50/60 Hz with harmonics), clicks (1 to 10 a second), white, pink and brown noise at -60 to -10 dBFS, a DC
  offset, a chord and a melody of harmonic notes ("music"), a chirp, and speech-shaped noise (noise filtered
  to a speech spectrum, with a syllable-rate envelope). Not flagging one is a false accept.

Prints both checks' false-accept rate per kind of signal and the false-reject rate on real speech, by
language and source, and the CPU time per second of audio.
"""
from __future__ import annotations
import argparse, csv, os, time
from collections import defaultdict
from pathlib import Path
import numpy as np

SR = 16000

def nonspeech(seed:int=0) -> dict:
    "{name: waveform}: the non-speech signals, 3 s each."
    rng, t = np.random.default_rng(seed), np.arange(3 * SR) / SR
    out = {}
    for f in (100, 440, 1000, 4000):
        for db in (-40, -20, -6): out[f'tone {f} Hz {db} dBFS'] = 10 ** (db / 20) * np.sin(2 * np.pi * f * t)
    for f in (50, 60):
        out[f'hum {f} Hz'] = 0.3 * sum(np.sin(2 * np.pi * f * k * t) / k for k in range(1, 6))
    for rate in (1, 3, 10):
        c = np.zeros_like(t); c[::SR // rate] = 0.9; out[f'clicks {rate}/s'] = c
    def colored(beta):
        X = np.fft.rfft(rng.standard_normal(len(t))); f = np.fft.rfftfreq(len(t), 1 / SR); f[0] = f[1]
        y = np.fft.irfft(X / f ** (beta / 2), len(t)); return y / np.sqrt(np.mean(y ** 2))
    for name, beta in (('white', 0), ('pink', 1), ('brown', 2)):
        base = colored(beta)
        for db in (-60, -45, -30, -20, -10): out[f'{name} noise {db} dBFS'] = 10 ** (db / 20) * base
    out['DC offset'] = np.full_like(t, 0.3)
    chord = sum(np.sin(2 * np.pi * f * k * t) / k ** 1.5 for f in (261.6, 329.6, 392.0) for k in range(1, 6))
    out['music: chord'] = 0.2 * chord * np.exp(-((t % 1.0) * 2))
    notes = [261.6, 293.7, 329.6, 349.2, 392.0, 440.0, 493.9, 523.3, 392.0, 329.6, 293.7, 261.6]
    mel = np.concatenate([sum(np.sin(2 * np.pi * n * k * np.arange(SR // 4) / SR) / k for k in range(1, 8)) *
                          np.hanning(SR // 4) for n in notes])
    out['music: melody'] = 0.2 * mel[:len(t)]
    out['chirp 100 Hz-6 kHz'] = 0.3 * np.sin(2 * np.pi * (100 * t + (5900 / 6) * t ** 2))
    from scipy.signal import lfilter
    sn = lfilter([1], [1, -0.95], rng.standard_normal(len(t)))  # a falling spectrum like speech's
    env = 0.5 * (1 + np.sin(2 * np.pi * 4 * t))  # 4 syllables a second
    out['speech-shaped noise'] = 0.1 * sn / np.sqrt(np.mean(sn ** 2)) * env
    return {k: v.astype(np.float32) for k, v in out.items()}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--root', default=os.path.expanduser('~/.cache/langclass-realspeech-dev'))
    ap.add_argument('--min-speech', type=float, default=0.25)
    a = ap.parse_args()
    from langclass.encoders import speech_seconds
    from langclass.sources import active_seconds
    from langclass.features import load_audio
    checks = {'level gate': lambda y: active_seconds(y, SR), 'Silero VAD': lambda y: speech_seconds(y, SR)}
    cpu, audio_s = defaultdict(float), 0.0
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rows = []
    for name, y in nonspeech().items():
        found = {}
        for c, fn in checks.items():
            t0 = time.process_time(); found[c] = fn(y); cpu[c] += time.process_time() - t0
        audio_s += len(y) / SR
        rows.append((name, found))
    print("\nnon-speech signals (3 s each): seconds each check calls speech ('flagged' below the minimum)")
    print(f"| signal | {' | '.join(checks)} |\n|---|" + '---:|' * len(checks))
    for name, f in rows: print(f"| {name} | " + ' | '.join(f"{f[c]:.2f}" + ('' if f[c] >= a.min_speech else ' (flagged)') for c in checks) + ' |')
    fa = {c: sum(f[c] >= a.min_speech for _, f in rows) for c in checks}
    man = Path(a.root)/'manifest.csv'
    speech = list(csv.DictReader(open(man))) if man.exists() else []
    fr, by = {c: 0 for c in checks}, defaultdict(lambda: defaultdict(int))
    for r in speech:
        y = load_audio(str(man.parent/r['path']), SR)
        audio_s += len(y) / SR
        by[(r['lang'], r['source'])]['n'] += 1
        for c, fn in checks.items():
            t0 = time.process_time(); s = fn(y); cpu[c] += time.process_time() - t0
            if s < a.min_speech: fr[c] += 1; by[(r['lang'], r['source'])][c] += 1
    print(f"\n| check | non-speech accepted as speech (false accept) | real speech flagged (false reject) | CPU ms per s of audio |\n|---|---:|---:|---:|")
    for c in checks:
        fr_s = f"{fr[c]}/{len(speech)} = {fr[c] / max(len(speech), 1):.1%}" if speech else "(no dev set)"
        print(f"| {c} | {fa[c]}/{len(rows)} = {fa[c] / len(rows):.1%} | {fr_s} | {1e3 * cpu[c] / audio_s:.2f} |")
    if speech:
        print("\nfalse rejects by language x source:")
        for (l, s), d in sorted(by.items()):
            print(f"  {l} {s:28s} {d['n']:4d} clips: " + ', '.join(f"{c} {d[c]}" for c in checks))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")

if __name__ == '__main__': main()
