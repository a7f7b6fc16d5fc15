"""Benchmark: the CNN, the product's encoder head (real, real + synthetic, + augmented copies, synthetic only) and zero-shot, on the same folds and clips.

    python bench/bench_compare.py [--root DIR] [--out DIR] [--workers 2] [--seed 0] [--seeds 0,1,2] [--cnn-seeds 0]
                                  [--configs cnn,head,head+synth,head+synth+aug,synth-only,zero-shot]
                                  [--folds F1,F2,F3,F4,random] [--cnn-epochs 25] [--epochs 60] [--patience 10]
                                  [--dense 256] [--synth-speakers 16] [--copies 2] [--no-vad] [--zero-shot-from FILE]

The data is the real-speech development set (`shared/realspeech-dev/build.py`; DIR/manifest.csv,
default ~/.cache/langclass-realspeech-dev: 313 clips of en, de, fr, es from 9 Debian packages),
imported into a store under --out (default /tmp/langclass-bench-compare), with a small synthetic
espeak-ng corpus of the same languages (`langclass.demo.build_corpus`: --synth-speakers voices per
language, 2 clips each, 4-10 s) imported as the source `synthetic-espeak`, as bench_realspeech's
`+mixing` does. Every feature, embedding, augmented copy and zero-shot answer is cached under --out,
so a rerun only trains and scores.

Folds and figure: bench/bench_encoder.py's (`splits`, `figure`), so every configuration is scored on
the very same test clips. F1..F4 each hold out packages in every language at once (F1 kajongg; F2
planetblupi-common; F3 asterisk-prompt-*; F4 the small packages); `random` is a random 20 % of each
language's clips (--seed). The figure of a fold is the accuracy per (language, source), averaged over
sources within a language, then over languages; a language with no training clip (es in F3 without
the synthetic corpus) counts 0.

Validation (early stopping): `split_clips(pool, test_frac=0, val_frac=0.1, group_by='clip',
val_by='speaker')` of each fold's real training clips, i.e. a random 10 % of each language's clips,
the same clips for every configuration; the synthetic clips, where mixed in, all train. Grouping by
speaker or source is not used because on this set it empties a language: fr has one 125-clip speaker
(asterisk-prompt-fr-armelle): `val_by='speaker'` puts all 125 into validation in F1, leaving 6 fr clips
to train on, and so did `val_by='auto'` until split_clips counted a source's clips rather than its
speaker groups (fixed since). The splits are passed to `train(splits=...)`.

Configurations (each on every fold; trained ones once per model seed, figures averaged over seeds):
  cnn             the CNN with bench_realspeech's `baseline` (today's defaults: 6 s windows of 40 mel bands,
                  plateau schedule, no augmentation), at most --cnn-epochs (25, bench_realspeech's), patience 8.
  head            `train(store, splits=..., feature_cfg=EncoderConfig(vad=True), model_cfg=ModelConfig(dense=--dense,
                  epochs=--epochs, patience=--patience, seed=s), augment='none', workers=--workers, verbose=0)`
                  on the real training clips.
  head+synth      the same on the real training clips + the whole synthetic corpus.
  head+synth+aug  head+synth with `augment='default', copies=--copies`: embeddings of augmented renders of every
                  training clip, computed once (here for all clips up front, timed) and cached; set against
                  re-embedding fresh renders every epoch (what the CNN's on-the-fly augmentation corresponds to).
  synth-only      the head trained on the synthetic corpus alone (validation by speaker), scored on every real
                  clip (figure over all 313) and on each fold's test clips.
  zero-shot       `Encoder.detect(y, ['en','de','fr','es'])` (bench_encoder's pass; --zero-shot-from reuses the
                  zeroshot.json of an earlier run with the same weights, e.g. bench_encoder's).

VAD is on (--no-vad: off): bench_encoder's logistic-regression measurement gave the meanstd embedding
0.637 mean of folds without VAD and 0.652 with it (F3, fr/asterisk, from 0.376 to 0.452), random 1.000 both.

Prints the load average along the way, a table per configuration (folds, mean of folds, random, each
seed's mean of folds, epochs, seconds), the synthetic-only and zero-shot figures on all real clips per
language x source, the per fold x language x source table of every configuration, the cost of the
augmented copies against re-embedding, and writes --out/results.json (with every clip's prediction).
"""
from __future__ import annotations
import argparse, json, os, sys, time
from dataclasses import replace
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_encoder as BE  # folds, random split, figure, zero-shot pass
import bench_realspeech as BR  # CNN baseline settings, dev set and synthetic corpus loaders

LANGS = BE.LANGS
FOLD_NAMES = list(BE.FOLDS) + ['random']
ALL_CONFIGS = ['cnn', 'head', 'head+synth', 'head+synth+aug', 'synth-only', 'zero-shot']

def load(): return BE.load()

def make_splits(pool, val_by:str, group_by:str, seed:int, keep_train=()):
    "{'train','val','test'} from the training pool `pool` (test empty: scored separately); `keep_train` clips always train."
    from langclass.split import split_clips
    sp, summ = split_clips(pool, test_frac=0.0, val_frac=0.1, seed=seed, val_by=val_by, group_by=group_by)
    return dict(train=sp['train'] + list(keep_train), val=sp['val'], test=[]), summ.get('val_by', {})

def score(lm, store, tests):
    "bench_encoder's figure of `lm` on `tests` (clips of a language the model never learnt count as wrong), and the predictions."
    from langclass.model import evaluate
    known = [c for c in tests if c.lang in lm.langs]
    pred = {}
    if known:
        ev = evaluate(lm, store, known, workers=1)
        pred = {cid: lm.langs[i] for cid, i in zip(ev.clip_ids, ev.clip_pred)}
    preds = {c.clip_id: pred.get(c.clip_id) for c in tests}
    return BE.figure(tests, preds), preds

def fit(store, splits, fcfg, mcfg, workers, **kw):
    from langclass.model import train
    t = time.perf_counter()
    lm = train(store, splits=splits, feature_cfg=fcfg, model_cfg=mcfg, save=False, workers=workers, verbose=0, **kw)
    return lm, time.perf_counter() - t

def record(lm, secs, splits, val_how, tests, store):
    (macro, cells), preds = score(lm, store, tests)
    cost = lm.meta.get('epoch_cost') or []
    return dict(macro=round(macro, 3), cells=cells, langs=list(lm.langs), epochs=lm.meta['epochs_run'],
                train_s=round(secs, 1), fit_s=lm.meta.get('fit_seconds'),
                epoch_s=round(sum(e['epoch_s'] for e in cost) / max(1, len(cost)), 2),
                train_clips=len(splits['train']), val_clips=len(splits['val']), test_clips=len(tests),
                val_by=val_how, augment=lm.meta.get('augment')), preds

def merge(runs, seeds):
    "One record from runs of several model seeds: figure, cell accuracies, epochs and times averaged; each seed's figure kept."
    out = dict(runs[0])
    out['macro'] = round(float(np.mean([r['macro'] for r in runs])), 3)
    out['macro_per_seed'] = {str(s): r['macro'] for s, r in zip(seeds, runs)}
    out['cells'] = {k: dict(v, accuracy=round(float(np.mean([r['cells'][k]['accuracy'] for r in runs])), 3)) for k, v in runs[0]['cells'].items()}
    for k in ('epochs', 'train_s', 'fit_s', 'epoch_s'):
        if all(r.get(k) is not None for r in runs): out[k] = round(float(np.mean([r[k] for r in runs])), 2)
    return out

def table(results, configs, folds):
    "A row per configuration: the figure of F1..F4, their mean (when all four ran), random, epochs run and train seconds (means)."
    lso = [f for f in folds if f != 'random']
    full = len(lso) == 4
    cols = lso + (['mean of folds'] if full else []) + (['random'] if 'random' in folds else [])
    rows = ['| configuration | ' + ' | '.join(cols) + ' | seeds | mean of folds per seed | epochs run | train s per run |', '|---' * (len(cols) + 5) + '|']
    for n in configs:
        r = results.get(n) or {}
        if not r: continue
        m = {f: r[f]['macro'] for f in folds if f in r}
        if full and all(f in m for f in lso): m['mean of folds'] = float(np.mean([m[f] for f in lso]))
        ep = [r[f]['epochs'] for f in folds if f in r and r[f].get('epochs') is not None]
        ts = [r[f]['train_s'] for f in folds if f in r and r[f].get('train_s') is not None]
        cells = [f"{m[c]:.3f}" if c in m else '–' for c in cols]
        ps = [r[f].get('macro_per_seed') for f in lso if f in r]
        ok = full and ps and all(ps) and len({tuple(p) for p in ps}) == 1
        cells += [str(len(ps[0])) if ps and ps[0] else '–',
                  ', '.join(f"{np.mean([p[s] for p in ps]):.3f}" for s in ps[0]) if ok else '–']
        cells += [f"{np.mean(ep):.1f}" if ep else '–', f"{np.mean(ts):.1f}" if ts else '–']
        rows.append(f"| {n} | " + ' | '.join(cells) + ' |')
    return '\n'.join(rows)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--root', default=os.path.expanduser('~/.cache/langclass-realspeech-dev'))
    ap.add_argument('--out', default='/tmp/langclass-bench-compare')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0, help="the random split and the validation clips")
    ap.add_argument('--seeds', default='0,1,2', help="model seeds of the heads (figures averaged over them)")
    ap.add_argument('--cnn-seeds', default='0', help="model seeds of the CNN")
    ap.add_argument('--no-vad', action='store_true', help="EncoderConfig(vad=False) (default: VAD on)")
    ap.add_argument('--configs', default=','.join(ALL_CONFIGS))
    ap.add_argument('--folds', default=','.join(FOLD_NAMES))
    ap.add_argument('--cnn-epochs', type=int, default=25, help="the CNN's epochs at most (bench_realspeech's default)")
    ap.add_argument('--epochs', type=int, default=60, help="the head's epochs at most")
    ap.add_argument('--patience', type=int, default=10, help="the head's early-stopping patience")
    ap.add_argument('--dense', type=int, default=256, help="the head's dense layer (0: softmax on the standardised embedding)")
    ap.add_argument('--synth-speakers', type=int, default=16, help="synthetic voices per language (2 clips each)")
    ap.add_argument('--copies', type=int, default=2, help="augmented embeddings per training clip (head+synth+aug)")
    ap.add_argument('--zero-shot-from', default=None, help="an earlier run's zeroshot.json (same weights) to start the zero-shot cache from")
    a = ap.parse_args(argv)
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    configs, folds = [c for c in a.configs.split(',') if c], [f for f in a.folds.split(',') if f]
    for c in configs:
        if c not in ALL_CONFIGS: sys.exit(f"unknown configuration {c!r}: {', '.join(ALL_CONFIGS)}")
    from langclass.encoders import EncoderConfig
    from langclass.features import FeatureConfig, featurize_catalog
    from langclass.store import LocalStore
    t_all = time.perf_counter()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    store = LocalStore(out/'store')
    real = BR.load_dev(store, Path(a.root).expanduser())
    need_synth = any(c in configs for c in ('head+synth', 'head+synth+aug', 'synth-only'))
    t = time.perf_counter()
    synth = BR.load_synth(store, out, sorted({c.lang for c in real}), a.synth_speakers, a.seed) if need_synth else []
    synth_s = time.perf_counter() - t
    lso = BE.splits(real, a.seed)
    ecfg = EncoderConfig(vad=not a.no_vad).prepare()
    ccfg = FeatureConfig(**BR.configs()['baseline']['f'])
    print(f"{len(real)} real clips ({', '.join(f'{l} {sum(c.lang == l for c in real)}' for l in LANGS)}) from "
          f"{len({c.source for c in real})} sources; {len(synth)} synthetic ({a.synth_speakers} voices x 2 clips per language, "
          f"{synth_s:.0f} s); encoder {ecfg.name} {ecfg.pooling} {ecfg.input} vad={ecfg.vad}; {os.cpu_count()} CPUs; load {load()}", flush=True)
    for f in folds:
        tr, te = lso[f]
        print(f"  {f:6s} train {len(tr):3d}  test {len(te):3d}  ({', '.join(sorted({c.source for c in te}))[:90]})")
    res_f = out/'results.json'
    results = dict(clips=len(real), synth_clips=len(synth), synth_build_s=round(synth_s, 1), encoder=ecfg.to_dict(),
                   settings=vars(a), load=[dict(at='start', load=load())], configs={}, cost={})
    def save(): res_f.write_text(json.dumps(results, indent=1))

    # features and embeddings first, with forked worker processes (before TensorFlow is imported)
    heads = [c for c in configs if c.startswith('head') or c == 'synth-only']
    if heads:
        c0, p0 = BE.children_cpu(), time.process_time()
        rep = featurize_catalog(store, real + synth, ecfg, workers=a.workers, progress=False)
        cpu = BE.children_cpu() - c0 + (time.process_time() - p0 if a.workers <= 1 else 0)  # --workers 1: in this process
        results['cost']['embed'] = dict(computed=rep['computed'], cached=rep['cached'], failed=len(rep['failed']), wall_s=round(rep['seconds'], 1),
                                        worker_cpu_ms_per_clip=round(1000 * cpu / max(1, rep['computed']), 1))
        print(f"embeddings: {rep['computed']} computed, {rep['cached']} cached, {len(rep['failed'])} failed, {rep['seconds']:.0f} s; load {load()}", flush=True)
    if 'head+synth+aug' in configs:
        acfg = replace(ecfg, augment='default', copies=a.copies)  # what train(augment='default', copies=N) caches
        c0 = BE.children_cpu()
        rep = featurize_catalog(store, real + synth, acfg, workers=a.workers, progress=False)
        cpu = BE.children_cpu() - c0
        n = rep['computed'] * a.copies
        results['cost']['augmented_copies'] = dict(clips=rep['computed'], cached=rep['cached'], copies=a.copies, failed=len(rep['failed']),
                                                   wall_s=round(rep['seconds'], 1), worker_cpu_s=round(cpu, 1),
                                                   worker_cpu_ms_per_copy=round(1000 * cpu / max(1, n), 1) if n else None)
        print(f"augmented copies ({a.copies} per clip, all real + synthetic clips): {rep['computed']} clips computed, {rep['cached']} cached, "
              f"{rep['seconds']:.0f} s; load {load()}", flush=True)
    if 'cnn' in configs:
        rep = featurize_catalog(store, real, ccfg, workers=a.workers, progress=False)
        results['cost']['cnn_features'] = dict(computed=rep['computed'], cached=rep['cached'], wall_s=round(rep['seconds'], 1))
        print(f"CNN features: {rep['computed']} computed, {rep['cached']} cached, {rep['seconds']:.0f} s; load {load()}", flush=True)
    zs = None
    if 'zero-shot' in configs:
        src = Path(a.zero_shot_from).expanduser() if a.zero_shot_from else None
        if src and src.is_file() and not (out/'zeroshot.json').exists():
            import shutil; shutil.copy(src, out/'zeroshot.json')  # zero_shot() drops it if the weights differ
        probs, zcpu, zwall = BE.zero_shot(store, real, out, a.workers)
        zs = {cid: max(p, key=p.get) for cid, p in probs.items()}
        results['cost']['zero_shot'] = dict(cpu_ms_per_clip=round(1000 * float(np.mean([zcpu[c.clip_id] for c in real])), 1),
                                            wall_s=None if zwall is None else round(zwall, 1))
        print(f"zero-shot pass: {'cached' if zwall is None else f'{zwall:.0f} s'}; load {load()}", flush=True)
    results['load'].append(dict(at='after features', load=load())); save()

    # training and scoring: each trained configuration once per model seed (--seeds; the CNN: --cnn-seeds), on the same splits
    import tensorflow as tf
    from langclass.model import ModelConfig
    tf.get_logger().setLevel('ERROR')  # no 'tf.function retracing' notes from evaluate's compiled forward pass
    seeds, cnn_seeds = [int(x) for x in a.seeds.split(',')], [int(x) for x in a.cnn_seeds.split(',')]
    hcfg = lambda s: ModelConfig(dense=a.dense, epochs=a.epochs, patience=a.patience, seed=s)
    base = BR.configs()['baseline']
    cnn_m = lambda s: ModelConfig(**{'epochs': a.cnn_epochs, 'patience': 8, 'seed': s, **base['m']})
    preds_all = {}
    for n in configs:
        res = results['configs'].setdefault(n, {})
        if n == 'zero-shot':
            for f in folds:
                (macro, cells) = BE.figure(lso[f][1], zs)
                res[f] = dict(macro=round(macro, 3), cells=cells, test_clips=len(lso[f][1]))
            macro, cells = BE.figure(real, zs)
            res['all-real'] = dict(macro=round(macro, 3), cells=cells, test_clips=len(real),
                                   clip_accuracy=round(float(np.mean([zs[c.clip_id] == c.lang for c in real])), 3))
            preds_all[n] = zs
            continue
        if n == 'synth-only':
            sp, how = make_splits(synth, 'speaker', 'speaker', a.seed)
            runs, per_fold = [], {f: [] for f in folds}
            for s in seeds:
                lm, secs = fit(store, sp, ecfg, hcfg(s), a.workers, augment='none')
                r, preds = record(lm, secs, sp, how, real, store)
                r['clip_accuracy'] = round(float(np.mean([preds[c.clip_id] == c.lang for c in real])), 3)
                runs.append(r); preds_all.setdefault(n, {})[f"seed{s}"] = preds
                for f in folds:
                    (macro, cells) = BE.figure(lso[f][1], preds)
                    per_fold[f].append(dict(macro=round(macro, 3), cells=cells, test_clips=len(lso[f][1]), epochs=r['epochs'], train_s=r['train_s']))
                print(f"{n:15s} seed {s} all real clips {r['macro']:.3f} (clip accuracy {r['clip_accuracy']:.3f}; {r['epochs']} epochs, {secs:.0f} s); "
                      + ' '.join(f"{f} {per_fold[f][-1]['macro']:.3f}" for f in folds) + f"; load {load()}", flush=True)
            res['all-real'] = merge(runs, seeds)
            res['all-real']['clip_accuracy'] = round(float(np.mean([r['clip_accuracy'] for r in runs])), 3)
            for f in folds: res[f] = merge(per_fold[f], seeds)
            save(); continue
        for f in folds:
            train_pool, tests = lso[f]
            mix = synth if n in ('head+synth', 'head+synth+aug') else []
            sp, how = make_splits(train_pool, 'speaker', 'clip', a.seed, keep_train=mix)  # the same validation clips for every configuration
            runs = []
            for s in (cnn_seeds if n == 'cnn' else seeds):
                if n == 'cnn':
                    lm, secs = fit(store, sp, ccfg, cnn_m(s), a.workers, augment=base['augment'])
                else:
                    kw = dict(augment='default', copies=a.copies) if n == 'head+synth+aug' else dict(augment='none')
                    lm, secs = fit(store, sp, ecfg, hcfg(s), a.workers, **kw)
                r, preds = record(lm, secs, sp, how, tests, store)
                runs.append(r)
                for k, v in preds.items(): preds_all.setdefault(n, {})[f"{f}:seed{s}:{k}"] = v
                print(f"{n:15s} {f:6s} seed {s} {r['macro']:.3f}  ({r['train_clips']} train / {r['val_clips']} val / {r['test_clips']} test; "
                      f"{r['epochs']} epochs, {secs:.0f} s, {r['epoch_s']} s/epoch; langs {','.join(r['langs'])}); load {load()}", flush=True)
            res[f] = merge(runs, cnn_seeds if n == 'cnn' else seeds)
            save()
    results['load'].append(dict(at='after training', load=load()))

    # re-embed vs precomputed copies: what re-embedding fresh augmented renders every epoch would have cost
    if 'head+synth+aug' in configs and results['cost'].get('augmented_copies', {}).get('worker_cpu_ms_per_copy'):
        ms = results['cost']['augmented_copies']['worker_cpu_ms_per_copy']
        r = results['configs']['head+synth+aug']
        per = {f: dict(train_clips=r[f]['train_clips'], epochs=r[f]['epochs'],
                       reembed_cpu_s=round(ms / 1000 * r[f]['train_clips'] * r[f]['epochs'], 1),
                       precomputed_cpu_s=round(ms / 1000 * r[f]['train_clips'] * a.copies, 1),
                       fit_s_with_copies=r[f]['fit_s'], fit_s_without=results['configs'].get('head+synth', {}).get(f, {}).get('fit_s'))
               for f in folds if f in r}
        results['cost']['reembed_vs_copies'] = per

    # tables
    results['predictions'] = preds_all  # {config: {fold:clip_id or clip_id: predicted language}}
    results['load'].append(dict(at='end', load=load()))
    results['total_s'] = round(time.perf_counter() - t_all, 1); save()
    C = results['configs']
    print(f"\nload {load()}; total {results['total_s']:.0f} s; encoder vad={ecfg.vad}, head dense={a.dense}, "
          f"epochs<={a.epochs}, patience {a.patience}; CNN epochs<={a.cnn_epochs}\n")
    print("1. Figure per fold (accuracy per language x source, averaged over sources, then languages; unlearnt language = 0)\n")
    print(table(C, configs, folds))
    if 'synth-only' in C or 'zero-shot' in C:
        print("\n2. On every real clip (313): synthetic-only head vs zero-shot\n")
        print('| configuration | figure (all real clips) | plain clip accuracy |\n|---|---|---|')
        for n in ('synth-only', 'zero-shot'):
            if n in C: print(f"| {n} | {C[n]['all-real']['macro']:.3f} | {C[n]['all-real']['clip_accuracy']:.3f} |")
        cells = sorted({k for n in ('synth-only', 'zero-shot') if n in C for k in C[n]['all-real']['cells']})
        have = [n for n in ('synth-only', 'zero-shot') if n in C]
        print('\n| language/source | clips | ' + ' | '.join(have) + ' |\n|---|---|' + '---|' * len(have))
        for k in cells:
            v = next(C[n]['all-real']['cells'][k] for n in have)
            print(f"| {k} | {v['clips']} | " + ' | '.join(f"{C[n]['all-real']['cells'][k]['accuracy']:.2f}" for n in have) + ' |')
    print("\n3. Per fold x language x source (accuracy)\n")
    have = [n for n in configs if n in C]
    print('| fold | language/source | clips | ' + ' | '.join(have) + ' |\n|---|---|---|' + '---|' * len(have))
    for f in folds:
        keys = sorted({k for n in have if f in C[n] for k in C[n][f]['cells']})
        for k in keys:
            v = next(C[n][f]['cells'][k] for n in have if f in C[n] and k in C[n][f]['cells'])
            print(f"| {f} | {k} | {v['clips']} | " + ' | '.join(f"{C[n][f]['cells'][k]['accuracy']:.2f}" if f in C[n] and k in C[n][f]['cells'] else '–'
                                                              for n in have) + ' |')
    if results['cost']:
        print("\n4. Cost\n")
        for k, v in results['cost'].items():
            if k != 'reembed_vs_copies': print(f"- {k}: {v}")
        if 'reembed_vs_copies' in results['cost']:
            print("\n| fold | train clips | epochs | precomputed copies, CPU s | re-embedding every epoch, CPU s | head fit s with copies | without |\n|---|---|---|---|---|---|---|")
            for f, v in results['cost']['reembed_vs_copies'].items():
                print(f"| {f} | {v['train_clips']} | {v['epochs']} | {v['precomputed_cpu_s']} | {v['reembed_cpu_s']} | {v['fit_s_with_copies']} | {v['fit_s_without']} |")
    print(f"\nload along the way: {results['load']}")
    print(f"wrote {res_f}")

if __name__ == '__main__': main()
