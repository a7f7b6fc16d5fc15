"""Benchmark: MP3 → log-mel + MFCC, langclass against librosa doing the same work under the same thread limits.

    python bench/bench_features.py [--n 120] [--rounds 4] [--dir DIR]

The clips are real MP3 files of espeak-ng speech (`langclass.speech`) in the six default languages,
6–20 s each at 22.05 kHz, 64 kbit/s mono, made once and kept in DIR (default: $TMPDIR/langclass-bench-features).
Every figure is per 10 s of audio. Both sides do the same work: decode to 16 kHz (soxr_hq), cut 10 s
windows every 5 s, a 64-band log-mel (dB) and 20 MFCCs per window. Both run with BLAS/OpenMP limited
to one thread per process (`threadpoolctl`), and they alternate: the clips are split into `--rounds`
parts and each part runs through every method in turn, so that other work on a shared machine hits
every method alike. The load average is printed before and after.

1. one clip after another in one process, no cache:
   - langclass: `featurize_audio` (decode, one real FFT over the clip's frames shared by overlapping
     windows, sparse mel product, MFCC from the log-mel);
   - librosa: `librosa.load`, then per window `melspectrogram` → `power_to_db` → `mfcc(S=...)`:
     one STFT per window, as a careful librosa user writes it;
   - librosa, naive: the same but `mfcc(y=...)`, which takes a second STFT (the loop earlier
     versions of this benchmark compared with);
   - langclass `featurize_audio` again with no thread limit set, to show that it stays on one core.
2. a catalog with a cold cache, on 1 and on 2 worker processes: langclass `featurize_catalog` against
   the same loop with the librosa features above: the same process pool (fork, one thread per worker),
   the same `.npz` (features, padded, seconds, config) written through the same `LocalStore`.
3. where langclass's time goes: each step of `featurize_catalog`'s work for one clip, timed alone.

Values are checked: every langclass window equals the librosa one (max |difference| printed).
"""
from __future__ import annotations
import argparse, json, os, resource, shutil, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np
import librosa
from langclass.core import Clip, DEFAULT_LANGS
from langclass.store import LocalStore, raw_key, feature_key
from langclass.features import (FeatureConfig, featurize_catalog, featurize_audio, load_features, clip_windows,
                                load_audio, audio_features, limit_threads, _npz_bytes)
from langclass.core import pool_context
from langclass.sources import active_seconds

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

def librosa_features(path, cfg:FeatureConfig, *, naive:bool=False) -> dict:
    "The peer: `librosa.load`, then per window melspectrogram → power_to_db → mfcc (of that log-mel, or `naive`: of the waveform)."
    kw = dict(sr=cfg.sr, n_fft=cfg.n_fft, hop_length=cfg.hop_length, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax)
    y, _ = librosa.load(path, sr=cfg.sr)
    w, padded = clip_windows(y, cfg)
    out = []
    for x in w:
        L = librosa.power_to_db(librosa.feature.melspectrogram(y=x, **kw))
        M = librosa.feature.mfcc(y=x, n_mfcc=cfg.n_mfcc, **kw) if naive else librosa.feature.mfcc(S=L, n_mfcc=cfg.n_mfcc)
        out.append(np.concatenate([L, M]).T)
    return dict(features=np.stack(out).astype(np.float32), padded=padded, seconds=len(y) / cfg.sr)

def _peer_job(args):
    clip_id, path, cfg = args
    r = librosa_features(path, cfg)
    return clip_id, _npz_bytes(features=r['features'], padded=r['padded'], seconds=np.float64(r['seconds']),
                               config=np.array(json.dumps(cfg.to_dict(), sort_keys=True)))

def _init_worker(): limit_threads(1)

def peer_catalog(store:LocalStore, clips, cfg:FeatureConfig, workers:int) -> int:
    "`featurize_catalog`'s loop with librosa's features: same pool, same thread limit, same npz through the same store."
    jobs = [(c.clip_id, str(store.local_path(c.key)), cfg) for c in clips]
    key = lambda cid: 'peer-' + feature_key(cfg.hash, cid)
    if workers <= 1:
        with limit_threads(1):
            for j in jobs: cid, data = _peer_job(j); store.put_bytes(key(cid), data)
    else:
        with ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=_init_worker) as ex:
            for cid, data in ex.map(_peer_job, jobs): store.put_bytes(key(cid), data)
    return len(jobs)

def breakdown(store:LocalStore, clips, cfg:FeatureConfig) -> tuple[dict, dict]:
    "CPU and wall seconds of each step of featurize_catalog's work, summed over `clips` (one thread)."
    import soundfile as sf
    from langclass.features import resample
    t = dict.fromkeys(['decode MP3 (libsndfile/mpg123)', 'resample 22.05 → 16 kHz (soxr_hq)', 'speech check (active_seconds)',
                       'log-mel + MFCC (audio_features)', 'npz serialisation', 'store write (atomic, fsync)'], 0.0)
    k, tc = list(t), dict.fromkeys(t, 0.0)
    now = lambda: (time.perf_counter(), time.thread_time())
    with limit_threads(1):
        for c in clips:
            t0 = now()
            with sf.SoundFile(str(store.local_path(c.key))) as f: sr0, y = f.samplerate, f.read(dtype='float32', always_2d=True)
            y = np.ascontiguousarray(y[:, 0]); t1 = now()
            y = resample(y, sr0, cfg.sr); t2 = now()
            active_seconds(y, cfg.sr); t3 = now()
            X = audio_features(y, cfg); t4 = now()
            data = _npz_bytes(features=X, padded=np.zeros(len(X), bool), seconds=np.float64(len(y) / cfg.sr),
                              config=np.array(json.dumps(cfg.to_dict(), sort_keys=True))); t5 = now()
            store.put_bytes('breakdown/' + c.clip_id + '.npz', data); t6 = now()
            for i, (a, b) in enumerate([(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6)]):
                t[k[i]] += b[0] - a[0]; tc[k[i]] += b[1] - a[1]
    return t, tc

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=120, help='clips')
    ap.add_argument('--rounds', type=int, default=4, help='parts of the clips; each part runs through every method in turn')
    ap.add_argument('--dir', default=str(Path(tempfile.gettempdir())/'langclass-bench-features'))
    a = ap.parse_args(argv)
    root = Path(a.dir)
    t = time.perf_counter()
    clips = make_clips(root, a.n)
    store = LocalStore(root)
    secs = sum(librosa.get_duration(path=store.local_path(c.key)) for c in clips)
    per10 = 10.0 / secs * 1e3  # seconds for all clips → ms per 10 s of audio
    print(f"{len(clips)} MP3 clips, {secs/60:.1f} min of speech, 22.05 kHz mono 64 kbit/s ({time.perf_counter()-t:.1f} s to make/find)")
    cfg = FeatureConfig(kind='both', normalize=False, audio_norm=None)  # the raw values librosa gives
    def fresh():
        for d in ('features', 'peer-features', 'breakdown'): shutil.rmtree(root/d, ignore_errors=True)
    fresh()
    load0 = os.getloadavg()
    # warm-up: imports, lazy modules, filterbank caches, on both sides
    for c in clips[:2]: librosa_features(store.local_path(c.key), cfg); librosa_features(store.local_path(c.key), cfg, naive=True)
    featurize_catalog(store, clips[:2], cfg, workers=1, progress=False); peer_catalog(store, clips[:2], cfg, 1); fresh()

    wall, cpu, ref = {}, {}, {}
    def cpu_now():  # user + sys of this process and of its children that have ended (pool workers are joined on shutdown)
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
    def timed(name, f):
        t, c = time.perf_counter(), cpu_now()
        out = f()
        wall[name] = wall.get(name, 0) + time.perf_counter() - t
        cpu[name] = cpu.get(name, 0) + cpu_now() - c
        return out
    def lc_loop(part):
        for c in part: featurize_audio(store.local_path(c.key), cfg)
    def lr_loop(part, naive=False):
        for c in part:
            r = librosa_features(store.local_path(c.key), cfg, naive=naive)
            if not naive: ref[c.clip_id] = r['features']
    def lc_cat(part, w):
        r = featurize_catalog(store, part, cfg, workers=w, progress=False); assert r['computed'] == len(part), r['failed']
    for i in range(a.rounds):
        part = clips[i::a.rounds]
        with limit_threads(1):
            timed('lc', lambda: lc_loop(part))
            timed('lr', lambda: lr_loop(part))
            timed('lr_naive', lambda: lr_loop(part, naive=True))
        timed('lc_free', lambda: lc_loop(part))  # no thread limit set by anyone
        for w in (1, 2):  # the pools set one thread per worker themselves
            for side in (('lc', 'pr') if i % 2 == 0 else ('pr', 'lc')):
                if side == 'lc': timed(f'lc_cat{w}', lambda: lc_cat(part, w))
                else: timed(f'pr_cat{w}', lambda: peer_catalog(store, part, cfg, w))
            if w == 1:  # cold again for the 2-worker runs
                for c in part:
                    for k in (feature_key(cfg.hash, c.clip_id), 'peer-' + feature_key(cfg.hash, c.clip_id)): (root/k).unlink()
    load1 = os.getloadavg()
    diff_mel = max(float(np.abs(load_features(store, c.clip_id, cfg)[..., :cfg.n_mels] - ref[c.clip_id][..., :cfg.n_mels]).max()) for c in clips)
    diff_mfcc = max(float(np.abs(load_features(store, c.clip_id, cfg)[..., cfg.n_mels:] - ref[c.clip_id][..., cfg.n_mels:]).max()) for c in clips)
    bd, bdc = breakdown(store, clips, cfg)
    fresh()

    n_win = sum(len(v) for v in ref.values())
    print(f"{n_win} windows of {cfg.window_s:g} s (hop {cfg.hop_s:g} s); machine: {os.cpu_count()} cores, "
          f"load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load0)} before, {', '.join(f'{x:.1f}' for x in load1)} after")
    print(f"max |langclass - librosa|: log-mel {diff_mel:.2e} dB, MFCC {diff_mfcc:.2e}")
    print("\nms per 10 s of audio; CPU = user + sys of the process and its workers; the two sides of each row ran alternately in the same run\n")
    print("| work | threads | langclass wall | librosa wall | ratio (wall) | langclass CPU | librosa CPU | ratio (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [('MP3 → log-mel + MFCC, one clip after another', '1 BLAS thread', 'lc', 'lr'),
            ('same, librosa naive (`mfcc(y=...)`: a 2nd STFT per window)', '1 BLAS thread', 'lc', 'lr_naive'),
            ('featurize_catalog, cold cache, npz written, 1 worker', '1 per worker', 'lc_cat1', 'pr_cat1'),
            ('featurize_catalog, cold cache, npz written, 2 workers', '1 per worker', 'lc_cat2', 'pr_cat2')]
    for name, th, l, r in rows:
        print(f"| {name} | {th} | {wall[l]*per10:.2f} | {wall[r]*per10:.2f} | {wall[r]/wall[l]:.2f}× | "
              f"{cpu[l]*per10:.2f} | {cpu[r]*per10:.2f} | {cpu[r]/cpu[l]:.2f}× |")
    print(f"\nlangclass featurize_audio with no thread limit set: wall {wall['lc_free']*per10:.2f} ms, CPU {cpu['lc_free']*per10:.2f} ms "
          f"(CPU/wall {cpu['lc_free']/wall['lc_free']:.2f}; with the limit: {cpu['lc']/wall['lc']:.2f})")
    tot, totc = sum(bd.values()), sum(bdc.values())
    print(f"\nwhere langclass's time goes (each step alone, one thread, {len(clips)} clips): {totc*per10:.2f} ms CPU, "
          f"{tot*per10:.2f} ms wall per 10 s of audio\n")
    print("| step | CPU ms per 10 s | share of CPU | wall ms per 10 s |\n|---|---|---|---|")
    for k, v in bd.items(): print(f"| {k} | {bdc[k]*per10:.2f} | {bdc[k]/totc:.0%} | {v*per10:.2f} |")
    ok = diff_mel < 1e-3 and diff_mfcc < 1e-3
    print(f"\nvalues identical within 1e-3: {ok}")
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main())
