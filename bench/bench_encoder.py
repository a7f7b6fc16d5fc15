"""Benchmark: Whisper-base's encoder (`langclass.encoders`) as the front-end, on the real-speech dev set.

    python bench/bench_encoder.py [--root DIR] [--out DIR] [--workers 2] [--sample 40] [--repeats 5]
                                  [--tp-clips 100] [--seed 0] [--skip-cost]

The data is the real-speech development set that `shared/realspeech-dev/build.py` builds from Debian
packages (en, de, fr, es; several recording sources each; DIR/manifest.csv, default
~/.cache/langclass-realspeech-dev). It is imported into a store under --out (default
/tmp/langclass-bench-encoder), and every clip's embedding is cached there by `featurize_catalog`
(--workers processes), so that a rerun only scores.

Protocol (as bench/bench_realspeech.py): each fold holds out a set of packages in every language at
once (F1 kajongg; F2 planetblupi-common; F3 the two telephone IVR packs asterisk-prompt-*; F4 the
small packages), trains on the rest and scores the held-out packages only. The figure of a fold is
the accuracy per (language, source), averaged over sources within a language, then over languages;
a language with no training clip in a fold (es in F3) counts as 0. `random` is a random clip split
(20 % test, stratified by language, --seed), for comparison only.

1. Embedding choices. The classifier is a plain logistic regression on one embedding per clip
   (sklearn: StandardScaler, then LogisticRegression(C=1, class_weight='balanced')):
   - pooling mean / meanstd / meanstdmax (trimmed input, no VAD);
   - input trimmed / padded to 30 s (meanstd);
   - VAD off / on (meanstd, trimmed).
   Each: the four folds, their mean, the random split, the wall time of `featurize_catalog` over the
   whole set (--workers processes), and the CPU time per clip (`time.process_time`, one thread:
   threadpoolctl and CTranslate2 intra_threads=1) of `EncoderConfig.compute` (decode, log-mel,
   encoder, pooling) over --sample clips spread over languages and sources, in this process.
2. Zero-shot: `Encoder.detect(y, ['en', 'de', 'fr', 'es'])` (Whisper's language token, no training;
   padded to 30 s as Whisper reads it), the argmax scored with the same figure on the same held-out
   clips of every fold, on the random split's test clips, and on all clips. No language is
   "unlearnt" here, so es in F3 is scored as detected.
3. Cost, one thread, on a 10 s MP3 (16 kHz, 64 kbit/s) made by joining dev clips of one language:
   `EncoderConfig().compute(mp3_bytes)` (decode + log-mel + encoder + meanstd pooling) against
   faster-whisper's own `WhisperModel(folder, compute_type='int8', cpu_threads=1).detect_language(audio)`
   on the same decoded audio (and with faster-whisper's `decode_audio` of the same file); the encoder
   alone on trimmed vs padded input; CPU ms, median of --repeats, methods alternating. Then the
   throughput of `featurize_catalog` (default config, --workers processes, cold cache) over
   --tp-clips ten-second MP3s made by tiling dev clips to 10 s, extrapolated to 1,000 clips.

The load average is printed before and after each part (other work may share the machine). Prints
the tables and writes --out/results.json.
"""
from __future__ import annotations
import argparse, csv, fnmatch, io, json, os, resource, shutil, sys, time
from dataclasses import replace
from pathlib import Path
import numpy as np

FOLDS = {'F1': ['kajongg'], 'F2': ['planetblupi-common'], 'F3': ['asterisk-prompt-*'],
         'F4': ['unknown-horizons', 'codec2-examples', 'pocketsphinx-testdata', 'saytime', 'alsa-utils']}
LANGS = ['en', 'de', 'fr', 'es']
VARIANTS = {  # name -> EncoderConfig changes (the first three: pooling; then input; then VAD)
    'mean': dict(pooling='mean'),
    'meanstd': dict(pooling='meanstd'),
    'meanstdmax': dict(pooling='meanstdmax'),
    'meanstd-padded': dict(pooling='meanstd', input='padded'),
    'meanstd-vad': dict(pooling='meanstd', vad=True),
}

def load():
    return f"{os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"

def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN); return r.ru_utime + r.ru_stime

def load_dev(store, root:Path):
    from langclass.sources import import_corpus
    from langclass.store import read_store_catalog
    man = root/'manifest.csv'
    if not man.is_file(): sys.exit(f"no {man}: build the set first (python shared/realspeech-dev/build.py --cap 1000)")
    import_corpus(man, store, progress=False)
    return read_store_catalog(store)

def audio_path(store, clip) -> str:
    from langclass.store import raw_key
    return str(store.local_path(clip.key or raw_key(clip)))

# ---- splits and the figure

def held_out(clip, fold) -> bool: return any(fnmatch.fnmatch(clip.source, p) for p in FOLDS[fold])

def random_split(clips, seed:int, frac:float=0.2):
    "Ids of the test clips: `frac` of each language, at random."
    rng = np.random.default_rng(seed)
    test = set()
    for l in sorted({c.lang for c in clips}):
        ids = sorted(c.clip_id for c in clips if c.lang == l)
        test |= set(rng.permutation(ids)[:max(1, round(frac * len(ids)))].tolist())
    return test

def splits(clips, seed):
    "{fold: (train clips, test clips)} for the four folds and `random`."
    out = {f: ([c for c in clips if not held_out(c, f)], [c for c in clips if held_out(c, f)]) for f in FOLDS}
    test = random_split(clips, seed)
    out['random'] = ([c for c in clips if c.clip_id not in test], [c for c in clips if c.clip_id in test])
    return out

def figure(tests, preds):
    "Macro accuracy over languages of the accuracies per (language, source) averaged within each language; and the cells."
    cells = {}
    for c in tests: cells.setdefault((c.lang, c.source), []).append(preds[c.clip_id] == c.lang)
    langs = sorted({l for l, _ in cells})
    macro = float(np.mean([np.mean([np.mean(v) for (l2, _), v in cells.items() if l2 == l]) for l in langs]))
    return macro, {f"{l}/{s}": {'accuracy': round(float(np.mean(v)), 3), 'clips': len(v)} for (l, s), v in sorted(cells.items())}

# ---- 1. embeddings + logistic regression

def lr_predict(X_train, y_train, X_test):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, class_weight='balanced', max_iter=5000))
    clf.fit(X_train, y_train)
    return clf.predict(X_test)

def score_embeddings(store, clips, cfg, folds):
    from langclass.features import load_features
    X = {c.clip_id: load_features(store, c.clip_id, cfg)[0] for c in clips}
    res = {}
    for f, (train, test) in folds.items():
        p = lr_predict(np.stack([X[c.clip_id] for c in train]), [c.lang for c in train], np.stack([X[c.clip_id] for c in test]))
        macro, cells = figure(test, {c.clip_id: l for c, l in zip(test, p)})
        res[f] = dict(macro=round(macro, 3), cells=cells, train_clips=len(train), test_clips=len(test))
    return res

def cost_sample(clips, n:int, seed:int):
    "`n` clips spread over languages and, within each, round-robin over its sources."
    rng = np.random.default_rng(seed)
    per = -(-n // len(LANGS)); out = []
    for l in LANGS:
        by_src = {}
        for c in sorted((c for c in clips if c.lang == l), key=lambda c: c.clip_id): by_src.setdefault(c.source, []).append(c)
        lists = [list(rng.permutation(v)) for _, v in sorted(by_src.items())]
        picked = []
        while len(picked) < per and any(lists):
            for v in lists:
                if v and len(picked) < per: picked.append(v.pop())
        out += picked
    return out[:n]

def cpu_per_clip(store, sample, cfg):
    "Mean CPU ms per clip of `cfg.compute` (decode + features + encoder + pooling), one thread, in this process; and per 10 s."
    from langclass.features import limit_threads
    from langclass.encoders import get_encoder
    with limit_threads(1):
        get_encoder(cfg, threads=1)  # loaded before timing
        cfg.compute(audio_path(store, sample[0]))  # warm-up
        t, secs = time.process_time(), 0.0
        for c in sample: secs += float(cfg.compute(audio_path(store, c))['seconds'])
        cpu = time.process_time() - t
    return 1000 * cpu / len(sample), 1000 * cpu / secs * 10

# ---- 2. zero-shot

def _detect_job(args):
    clip_id, path = args
    from langclass.encoders import EncoderConfig, get_encoder
    from langclass.features import load_audio, limit_threads
    with limit_threads(1):
        enc = get_encoder(EncoderConfig().prepare(), threads=1)
        t = time.process_time()
        p = enc.detect(load_audio(path, 16000), LANGS)
        return clip_id, p, time.process_time() - t

def zero_shot(store, clips, out:Path, workers:int):
    "{clip_id: {lang: p}} of every clip (cached in out/zeroshot.json), the CPU s per clip, the wall s of this run."
    from concurrent.futures import ProcessPoolExecutor
    from langclass.core import pool_context
    from langclass.encoders import EncoderConfig
    sha = EncoderConfig().prepare().weights_sha256
    f = out/'zeroshot.json'
    cache = json.loads(f.read_text()) if f.exists() else {}
    if cache.get('weights') != sha: cache = dict(weights=sha, probs={}, cpu={})
    todo = [(c.clip_id, audio_path(store, c)) for c in clips if c.clip_id not in cache['probs']]
    t = time.perf_counter()
    if todo:
        with ProcessPoolExecutor(max(1, workers), mp_context=pool_context()) as ex:
            for cid, p, cpu in ex.map(_detect_job, todo, chunksize=4):
                cache['probs'][cid], cache['cpu'][cid] = p, cpu
        f.write_text(json.dumps(cache))
    return cache['probs'], cache['cpu'], (time.perf_counter() - t) if todo else None

# ---- 3. cost

def make_10s(store, clips, lang='en', seconds=10.0):
    "`seconds` of 16 kHz audio: dev clips of `lang` (in id order) joined, cut to length."
    from langclass.features import load_audio
    ys, n = [], 0
    for c in sorted((c for c in clips if c.lang == lang), key=lambda c: c.clip_id):
        y = load_audio(audio_path(store, c), 16000); ys.append(y); n += len(y)
        if n >= seconds * 16000: break
    return np.concatenate(ys)[:int(seconds * 16000)]

def cpu_ms(fn, repeats):
    ts = []
    for _ in range(repeats):
        t = time.process_time(); fn(); ts.append(time.process_time() - t)
    return 1000 * float(np.median(ts))

def cost_10s(store, clips, out:Path, repeats:int):
    from faster_whisper import WhisperModel, decode_audio
    from langclass.encoders import EncoderConfig, get_encoder, find_weights
    from langclass.features import load_audio, limit_threads
    from langclass.speech import mp3_bytes
    y0 = make_10s(store, clips)
    mp3 = mp3_bytes(y0, 16000, kbps=64)
    path = out/'cost-10s.mp3'; path.write_bytes(mp3)
    cfg = EncoderConfig().prepare()
    res = {}
    with limit_threads(1):
        enc_t, enc_p = get_encoder(cfg, threads=1), get_encoder(replace(cfg, input='padded'), threads=1)
        fw = WhisperModel(str(find_weights('whisper-base')), device='cpu', compute_type='int8', cpu_threads=1)
        y = load_audio(mp3, 16000)
        yt, yp = enc_t.prep(y), enc_p.prep(y)
        methods = {
            'langclass compute(mp3 bytes): decode+logmel+encoder(trimmed)+meanstd': lambda: cfg.compute(mp3),
            'langclass compute(mp3 bytes), input padded': lambda: replace(cfg, input='padded').compute(mp3),
            'faster-whisper detect_language(decoded audio)': lambda: fw.detect_language(y),
            'faster-whisper decode_audio(file) + detect_language': lambda: fw.detect_language(decode_audio(str(path))),
            'langclass Encoder.detect(decoded audio), 4 languages': lambda: enc_t.detect(y, LANGS),
            'encoder alone, trimmed input (10 s -> 500 positions)': lambda: enc_t.encode(yt),
            'encoder alone, padded input (30 s -> 1500 positions)': lambda: enc_p.encode(yp),
            'decode alone (load_audio of the mp3 bytes)': lambda: load_audio(mp3, 16000),
        }
        for fn in methods.values(): fn()  # warm-up
        times = {k: [] for k in methods}
        for _ in range(repeats):  # alternate, so that load from other work hits every method alike
            for k, fn in methods.items(): times[k].append(cpu_ms(fn, 1))
        res = {k: round(float(np.median(v)), 1) for k, v in times.items()}
        det = fw.detect_language(y)
    return res, dict(mp3_bytes=len(mp3), seconds=len(y) / 16000, fw_language=det[0], fw_probability=round(float(det[1]), 3),
                     lc_detect={k: round(v, 3) for k, v in enc_t.detect(y, LANGS).items()})

def throughput(store, clips, out:Path, n:int, workers:int):
    "featurize_catalog of `n` ten-second MP3s (dev clips tiled to 10 s) with a cold cache: clips/s and minutes per 1,000."
    from langclass.core import Clip
    from langclass.encoders import EncoderConfig
    from langclass.features import featurize_catalog, load_audio
    from langclass.speech import mp3_bytes
    from langclass.store import LocalStore, raw_key, feature_key
    tp = LocalStore(out/'tp-store')
    src = sorted(clips, key=lambda c: c.clip_id)
    tclips = []
    for i in range(n):
        c = src[(i * 7) % len(src)]  # spread over the set
        tc = Clip(clip_id=f"tile10-{i:04d}", lang=c.lang, source='tiled-10s', duration=10.0)
        tc = replace(tc, key=raw_key(tc))
        if not tp.exists(tc.key):
            y = load_audio(audio_path(store, c), 16000)
            tp.put_bytes(tc.key, mp3_bytes(np.tile(y, -(-160000 // len(y)))[:160000], 16000, kbps=64))
        tclips.append(tc)
    cfg = EncoderConfig().prepare()
    prefix = feature_key(cfg.hash, 'x').rsplit('/', 1)[0]
    shutil.rmtree(out/'tp-store'/prefix, ignore_errors=True)  # cold cache
    c0 = children_cpu()
    rep = featurize_catalog(tp, tclips, cfg, workers=workers, progress=False)
    cpu = children_cpu() - c0
    rate = rep['computed'] / rep['seconds']
    return dict(clips=n, computed=rep['computed'], failed=len(rep['failed']), workers=workers, wall_s=rep['seconds'],
                clips_per_s=round(rate, 2), min_per_1000=round(1000 / rate / 60, 1),
                worker_cpu_s=round(cpu, 1), worker_cpu_ms_per_clip=round(1000 * cpu / max(1, rep['computed']), 1))

# ---- tables

def fold_table(rows, folds):
    "rows: [(name, {fold: macro}, extra columns dict)]."
    lso = [f for f in folds if f != 'random']
    extra = list(rows[0][2]) if rows else []
    out = ['| embedding | ' + ' | '.join(lso) + ' | mean of folds | random | ' + ' | '.join(extra) + ' |',
           '|---' * (len(lso) + 3 + len(extra)) + '|']
    for name, m, ex in rows:
        out.append(f"| {name} | " + ' | '.join(f"{m[f]:.3f}" for f in lso) + f" | {np.mean([m[f] for f in lso]):.3f} | "
                   f"{m['random']:.3f} | " + ' | '.join(str(v) for v in ex.values()) + ' |')
    return '\n'.join(out)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--root', default=os.path.expanduser('~/.cache/langclass-realspeech-dev'))
    ap.add_argument('--out', default='/tmp/langclass-bench-encoder')
    ap.add_argument('--workers', type=int, default=2, help="processes of featurize_catalog and of the zero-shot pass")
    ap.add_argument('--sample', type=int, default=40, help="clips whose CPU time per clip is measured in this process")
    ap.add_argument('--repeats', type=int, default=5, help="timings per method of the 10 s cost (median)")
    ap.add_argument('--tp-clips', type=int, default=100, help="ten-second clips of the throughput test")
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--skip-cost', action='store_true', help="only parts 1 and 2")
    a = ap.parse_args(argv)
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    from langclass.encoders import EncoderConfig
    from langclass.features import featurize_catalog
    from langclass.store import LocalStore
    t_all = time.perf_counter()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    store = LocalStore(out/'store')
    clips = load_dev(store, Path(a.root).expanduser())
    folds = splits(clips, a.seed)
    base = EncoderConfig().prepare()
    print(f"{len(clips)} clips ({', '.join(f'{l} {sum(c.lang == l for c in clips)}' for l in LANGS)}) from "
          f"{len({c.source for c in clips})} sources; {base.name} weights {base.weights_sha256[:12]}; "
          f"{os.cpu_count()} CPUs; load {load()}", flush=True)
    for f, (tr, te) in folds.items(): print(f"  {f:6s} train {len(tr):3d}  test {len(te):3d}  ({', '.join(sorted({c.source for c in te}))[:90]})")
    results = dict(clips=len(clips), weights=base.weights_sha256, load=[dict(at='start', load=load())], embeddings={})

    # 1. embeddings: every variant's cache first (worker processes are forked before this process loads an encoder)
    sample = cost_sample(clips, a.sample, a.seed)
    reps = {}
    for name, ch in VARIANTS.items():
        cfg = replace(base, **ch)
        c0 = children_cpu()
        rep = featurize_catalog(store, clips, cfg, workers=a.workers, progress=False)
        reps[name] = (cfg, rep, children_cpu() - c0)
        if rep['failed']: print(f"  {name}: {len(rep['failed'])} clip(s) failed: {list(rep['failed'].items())[:3]}")
        print(f"  featurize {name}: {rep['computed']} computed, {rep['cached']} cached, {rep['seconds']:.0f} s; load {load()}", flush=True)
    results['load'].append(dict(at='after featurize', load=load()))

    # 2. zero-shot
    probs, zcpu, zwall = zero_shot(store, clips, out, a.workers)
    pred = {cid: max(p, key=p.get) for cid, p in probs.items()}
    zs = {f: dict(zip(('macro', 'cells'), figure(te, pred))) for f, (_, te) in folds.items()}
    zs['all'] = dict(zip(('macro', 'cells'), figure(clips, pred)))
    zs_acc = float(np.mean([pred[c.clip_id] == c.lang for c in clips]))
    zcpu_ms = 1000 * float(np.mean(list(zcpu.values())))
    results['zeroshot'] = dict(folds={f: dict(macro=round(v['macro'], 3), cells=v['cells']) for f, v in zs.items()},
                               clip_accuracy_all=round(zs_acc, 3), cpu_ms_per_clip=round(zcpu_ms, 1), wall_s=zwall)
    results['load'].append(dict(at='after zero-shot', load=load()))
    (out/'results.json').write_text(json.dumps(results, indent=1))
    print(f"zero-shot       " + ' '.join(f"{f} {v['macro']:.3f}" for f, v in zs.items()) + f"  CPU {zcpu_ms:.0f} ms/clip; load {load()}", flush=True)
    if not a.skip_cost:  # the last pool of worker processes
        tpr = throughput(store, clips, out, a.tp_clips, a.workers)
        results['throughput'] = tpr
        print(f"throughput: {tpr}; load {load()}", flush=True)

    # 1b. scores and CPU per clip (in this process)
    rows = []
    for name, (cfg, rep, fcpu) in reps.items():
        ok = set(rep['clip_ids'])
        cl = [c for c in clips if c.clip_id in ok]
        res = score_embeddings(store, cl, cfg, splits(cl, a.seed))
        ms, ms10 = cpu_per_clip(store, sample, cfg)
        results['embeddings'][name] = dict(config=cfg.to_dict(), hash=cfg.hash, folds=res, cpu_ms_per_clip=round(ms, 1),
                                           cpu_ms_per_10s=round(ms10, 1), featurize=dict(computed=rep['computed'], cached=rep['cached'],
                                           failed=len(rep['failed']), wall_s=rep['seconds'], worker_cpu_s=round(fcpu, 1)))
        m = {f: r['macro'] for f, r in res.items()}
        feat = f"{rep['seconds']:.0f} s" if rep['computed'] == len(clips) else f"{rep['seconds']:.0f} s ({rep['cached']} cached)"
        rows.append((name, m, {'dim': cfg.dim, 'CPU ms/clip': f"{ms:.0f}", 'CPU ms/10 s': f"{ms10:.0f}", f'featurize wall ({a.workers} workers)': feat}))
        print(f"{name:15s} " + ' '.join(f"{f} {v:.3f}" for f, v in m.items()) + f"  CPU {ms:.0f} ms/clip; load {load()}", flush=True)
        (out/'results.json').write_text(json.dumps(results, indent=1))

    # 3. cost
    if not a.skip_cost:
        c10, info = cost_10s(store, clips, out, a.repeats)
        results['cost_10s'] = dict(cpu_ms=c10, **info)
        results['load'].append(dict(at='after cost', load=load()))
        (out/'results.json').write_text(json.dumps(results, indent=1))

    # tables
    print(f"\nload {load()}; total {time.perf_counter() - t_all:.0f} s\n")
    print("1. Embeddings + logistic regression (standardised, C=1, balanced): macro accuracy per fold\n")
    print(fold_table(rows, list(folds)))
    print("\n2. Zero-shot (Encoder.detect over en, de, fr, es; padded to 30 s; no training)\n")
    print('| ' + ' | '.join(list(FOLDS) + ['mean of folds', 'random', 'all clips', 'all clips, plain accuracy', 'CPU ms/clip']) + ' |')
    print('|---' * (len(FOLDS) + 5) + '|')
    print('| ' + ' | '.join(f"{zs[f]['macro']:.3f}" for f in FOLDS) + f" | {np.mean([zs[f]['macro'] for f in FOLDS]):.3f} | "
          f"{zs['random']['macro']:.3f} | {zs['all']['macro']:.3f} | {zs_acc:.3f} | {zcpu_ms:.0f} |")
    best = max(rows, key=lambda r: np.mean([r[1][f] for f in FOLDS]))[0]
    print(f"\nper (language, source), best embedding ({best}) and zero-shot:\n")
    print('| fold | language/source | clips | ' + best + ' | zero-shot |\n|---|---|---|---|---|')
    for f in FOLDS:
        be = results['embeddings'][best]['folds'][f]['cells']
        for k, v in zs[f]['cells'].items():
            print(f"| {f} | {k} | {v['clips']} | {be[k]['accuracy']:.2f} | {v['accuracy']:.2f} |")
    if not a.skip_cost:
        c10, info = results['cost_10s']['cpu_ms'], results['cost_10s']
        print(f"\n3. Cost of one {info['seconds']:.0f} s MP3 ({info['mp3_bytes']:,} bytes), one thread, CPU ms (median of {a.repeats})\n")
        print('| step | CPU ms |\n|---|---|')
        for k, v in c10.items(): print(f"| {k} | {v:.0f} |")
        ours = c10['langclass compute(mp3 bytes): decode+logmel+encoder(trimmed)+meanstd']
        fw1 = c10['faster-whisper detect_language(decoded audio)']
        fw2 = c10['faster-whisper decode_audio(file) + detect_language']
        print(f"\nlangclass compute / faster-whisper detect_language: {ours/fw1:.2f} (on decoded audio), {ours/fw2:.2f} "
              f"(each decoding the file); encoder padded / trimmed: "
              f"{c10['encoder alone, padded input (30 s -> 1500 positions)']/c10['encoder alone, trimmed input (10 s -> 500 positions)']:.1f}x")
        print(f"faster-whisper says {info['fw_language']} ({info['fw_probability']}); langclass detect {info['lc_detect']}")
        t = results['throughput']
        print(f"\nfeaturize_catalog, {t['computed']} ten-second MP3s, {t['workers']} workers, cold cache: {t['wall_s']:.1f} s wall, "
              f"{t['clips_per_s']} clips/s -> {t['min_per_1000']} min per 1,000 clips; workers' CPU {t['worker_cpu_ms_per_clip']:.0f} ms/clip"
              + (f"; {t['failed']} failed" if t['failed'] else ''))
    results['load'].append(dict(at='end', load=load()))
    results['total_s'] = round(time.perf_counter() - t_all, 1)
    (out/'results.json').write_text(json.dumps(results, indent=1))
    print(f"\nwrote {out/'results.json'}")

if __name__ == '__main__': main()
