"""Benchmark: featurize real MP3 clips (decode + log-mel + MFCC) with langclass vs a naive librosa loop.

    python bench/bench_features.py [--n 200] [--workers N] [--dir DIR]

The clips are real MP3 files of espeak-ng speech (`langclass.speech`) in the six default languages,
6–20 s each at 22.05 kHz, made once and kept in DIR (default: $TMPDIR/langclass-bench-features).
Both sides do the same work in the same run: decode to 16 kHz (soxr_hq), cut 10 s windows every 5 s,
and compute a 64-band log-mel and 20 MFCCs per window.

- naive: one process; per clip `librosa.load`, then per window `librosa.feature.melspectrogram`
  + `power_to_db` and `librosa.feature.mfcc(y=...)` (which computes its own STFT and mel again);
  run as is (BLAS with its default threads) and again with BLAS limited to one thread
  (`threadpoolctl`), since idle BLAS threads spinning on the small mel products cost CPU;
- langclass: `featurize_catalog` (one STFT per window, overlapping windows sharing their frames, MFCC
  from that log-mel, all cores, `.npz` cache written into the store); also with `workers=1` to
  separate the algorithmic and the parallel gain.

Values are checked: every cached window equals the naive one (max |difference| printed).
"""
from __future__ import annotations
import argparse, os, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np
import librosa
from threadpoolctl import threadpool_limits
from langclass.core import Clip, DEFAULT_LANGS
from langclass.store import LocalStore, raw_key
from langclass.features import FeatureConfig, featurize_catalog, load_features, clip_windows

TEXTS = {
    'en': ["The weather was lovely this morning, so we walked to the market by the river.",
           "My brother works in a small bakery and gets up every day before five o'clock.",
           "Could you tell me where the station is? I think I have lost my way again."],
    'ru': ["Сегодня утром была прекрасная погода, и мы пошли гулять в парк.",
           "Мой брат работает в маленькой пекарне и встаёт каждый день очень рано.",
           "Скажите, пожалуйста, как пройти к вокзалу? Кажется, я заблудился."],
    'fr': ["Il faisait très beau ce matin, alors nous sommes allés au marché à pied.",
           "Mon frère travaille dans une petite boulangerie et se lève avant cinq heures.",
           "Pourriez-vous me dire où se trouve la gare ? Je crois que je me suis perdu."],
    'es': ["Esta mañana hacía muy buen tiempo, así que fuimos andando al mercado.",
           "Mi hermano trabaja en una panadería pequeña y se levanta antes de las cinco.",
           "¿Podría decirme dónde está la estación? Creo que me he perdido otra vez."],
    'zh': ["今天早上天气很好，所以我们走路去河边的市场。",
           "我哥哥在一家小面包店工作，每天五点以前就起床。",
           "请问火车站在哪里？我好像又迷路了。"],
    'de': ["Heute Morgen war das Wetter herrlich, also sind wir zum Markt am Fluss gelaufen.",
           "Mein Bruder arbeitet in einer kleinen Bäckerei und steht jeden Tag vor fünf Uhr auf.",
           "Können Sie mir sagen, wo der Bahnhof ist? Ich glaube, ich habe mich verlaufen."],
}

def make_clips(root:Path, n:int, seed:int=0) -> list[Clip]:
    "`n` MP3 clips of espeak-ng speech under `root` (a LocalStore), made once."
    from langclass.speech import synth, mp3_bytes
    store, rng, clips = LocalStore(root), np.random.default_rng(seed), []
    cache = {}
    for i in range(n):
        lang = DEFAULT_LANGS[i % len(DEFAULT_LANGS)]
        c = Clip(f'bench-{lang}-{i:04d}', lang); c.key = raw_key(c)
        clips.append(c)
        if store.exists(c.key): continue
        variant = ['m1', 'm3', 'f2', 'f4'][(i // len(DEFAULT_LANGS)) % 4]
        target, parts, sr = rng.uniform(6, 20), [], 22050
        while sum(map(len, parts)) < target * sr:
            j = int(rng.integers(len(TEXTS[lang])))
            if (lang, j, variant) not in cache: cache[lang, j, variant] = synth(TEXTS[lang][j], lang, variant=variant)
            y, sr = cache[lang, j, variant]
            parts += [y, np.zeros(int(rng.uniform(0.2, 0.8) * sr), np.float32)]
        y = np.concatenate(parts)[:int(target * sr)]
        store.put_bytes(c.key, mp3_bytes(y * 0.9, sr, kbps=64))
    return clips

def naive(store:LocalStore, clips, cfg:FeatureConfig) -> dict:
    "The peer: librosa.load, then melspectrogram + power_to_db and mfcc(y=...) separately per window."
    kw = dict(sr=cfg.sr, n_fft=cfg.n_fft, hop_length=cfg.hop_length, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax)
    out = {}
    for c in clips:
        y, _ = librosa.load(store.local_path(c.key), sr=cfg.sr)
        w, _ = clip_windows(y, cfg)
        out[c.clip_id] = np.stack([np.concatenate([librosa.power_to_db(librosa.feature.melspectrogram(y=x, **kw)),
                                                   librosa.feature.mfcc(y=x, n_mfcc=cfg.n_mfcc, **kw)]).T for x in w])
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=200, help='clips')
    ap.add_argument('--workers', type=int, default=None, help='processes for langclass (default: all cores)')
    ap.add_argument('--dir', default=str(Path(tempfile.gettempdir())/'langclass-bench-features'))
    a = ap.parse_args(argv)
    root = Path(a.dir)
    t = time.perf_counter()
    clips = make_clips(root, a.n)
    store = LocalStore(root)
    secs = sum(librosa.get_duration(path=store.local_path(c.key)) for c in clips)
    print(f"{len(clips)} MP3 clips, {secs/60:.1f} min of speech, 22.05 kHz mono 64 kbit/s ({time.perf_counter()-t:.1f} s to make/find)")
    cfg = FeatureConfig(kind='both', normalize=False, audio_norm=None)  # the raw values librosa gives
    workers = a.workers or os.cpu_count()

    def fresh(): shutil.rmtree(root/'features', ignore_errors=True)
    load0 = os.getloadavg()[0]
    # warm-up: imports, lazy modules, filterbank caches, on both sides
    naive(store, clips[:2], cfg); fresh(); featurize_catalog(store, clips[:2], cfg, workers=1, progress=False); fresh()

    # interleaved in rounds, so that the load of other work on a shared machine hits every method alike
    rounds = [clips[i::4] for i in range(4)]
    wall, cpu, ref = {}, {}, {}
    def timed(name, f):
        t, c = time.perf_counter(), os.times()
        out = f()
        c2 = os.times()
        wall[name] = wall.get(name, 0) + time.perf_counter() - t
        cpu[name] = cpu.get(name, 0) + sum(c2[:4]) - sum(c[:4])  # user+sys of this process and its workers
        return out
    for part in rounds:
        ref.update(timed('naive', lambda: naive(store, part, cfg)))
        with threadpool_limits(1): timed('naive1', lambda: naive(store, part, cfg))
        r1 = timed('one', lambda: featurize_catalog(store, part, cfg, workers=1, progress=False))
        assert r1['computed'] == len(part), r1['failed']
        for c in part: (root/'features'/cfg.hash/f'{c.clip_id}.npz').unlink()
        rN = timed('all', lambda: featurize_catalog(store, part, cfg, workers=workers, progress=False))
        assert rN['computed'] == len(part), rN['failed']
    r2 = timed('cached', lambda: featurize_catalog(store, clips, cfg, workers=workers, progress=False))
    assert r2['computed'] == 0 and r2['cached'] == len(clips)
    diff_mel = max(float(np.abs(load_features(store, c.clip_id, cfg)[..., :cfg.n_mels] - ref[c.clip_id][..., :cfg.n_mels]).max()) for c in clips)
    diff_mfcc = max(float(np.abs(load_features(store, c.clip_id, cfg)[..., cfg.n_mels:] - ref[c.clip_id][..., cfg.n_mels:]).max()) for c in clips)
    n_win = sum(len(v) for v in ref.values())
    print(f"{n_win} windows of {cfg.window_s:g} s (hop {cfg.hop_s:g} s); machine: {os.cpu_count()} cores, "
          f"load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"max |langclass - librosa|: log-mel {diff_mel:.2e} dB, MFCC {diff_mfcc:.2e}")
    print()
    print(f"| method | clips | wall s | clips/s | × naive (wall) | CPU s | × naive (CPU) |")
    print(f"|---|---|---|---|---|---|---|")
    for k, name in [('naive', 'naive librosa loop (1 process)'), ('naive1', 'naive librosa loop, BLAS limited to 1 thread'), ('one', 'langclass featurize_catalog, 1 worker'),
                    ('all', f'langclass featurize_catalog, {workers} workers'), ('cached', 'langclass, second run (all cached)')]:
        print(f"| {name} | {len(clips)} | {wall[k]:.2f} | {len(clips)/wall[k]:.1f} | {wall['naive']/wall[k]:.2f} | "
              f"{cpu[k]:.2f} | {cpu['naive']/cpu[k] if cpu[k] >= 0.05 else float('nan'):.2f} |")
    ok = diff_mel < 1e-3 and diff_mfcc < 1e-3
    print(f"\nvalues identical within 1e-3: {ok}")
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main())
