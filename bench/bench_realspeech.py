"""Benchmark: does the model name the *language* of recordings from sources it never heard?

    python bench/bench_realspeech.py [--root DIR] [--out DIR] [--configs a,b,...] [--folds F1,F2,F3,F4,random]
                                     [--epochs N] [--seed S] [--synth-speakers N]

The data is the real-speech development set that `shared/realspeech-dev/build.py` builds from Debian
packages (en, de, fr, es; several recording sources each; DIR/manifest.csv, default
~/.cache/langclass-realspeech-dev). It is imported into a store under --out (once), and, for the
configurations that mix corpora, so is a small synthetic espeak-ng corpus (`langclass.demo`) of the
same languages, as the source `synthetic-espeak`.

Protocol (the dev set's README): each fold holds out a set of packages in every language at once
(F1 kajongg; F2 planetblupi-common; F3 the two telephone IVR packs; F4 the small packages), trains
on the rest and scores the held-out packages only. The figure of a fold is the accuracy per
(language, source), averaged over sources within a language, then over languages; a language with
no training clip in a fold (es in F3 unless the synthetic corpus supplies it) counts as 0. `random`
is a random clip split (20 % test) of the whole set, for comparison only.

Configurations are cumulative steps from the released defaults (`baseline`), so that each row shows
what one change adds; `final-no-cmvn` takes CMVN out of the final one. Every run uses the same
seed. Prints a table per fold and per language x source, and writes DIR/results.json.
"""
from __future__ import annotations
import argparse, json, os, sys, time
from dataclasses import replace
from pathlib import Path

FOLDS = {'F1': ['kajongg'], 'F2': ['planetblupi-common'], 'F3': ['asterisk-prompt-*'],
         'F4': ['unknown-horizons', 'codec2-examples', 'pocketsphinx-testdata', 'saytime', 'alsa-utils']}
SYNTH = 'synthetic-espeak'
# the features every configuration shares: 6 s windows of 40 mel bands every 20 ms (the dev set's clips are 4-10 s)
BASE_F = dict(window_s=6.0, hop_s=3.0, n_mels=40, n_fft=640, hop_length=320)
STEPS = [  # (name, changes on top of the previous step)
    ('baseline', dict(f={}, m=dict(schedule='plateau'), augment='none', val_by='speaker', mix=False)),
    ('+schedule+wrap', dict(f=dict(pad='wrap'), m=dict(schedule='cosine'))),
    ('+augment', dict(augment='default')),
    ('+source-val', dict(val_by='auto')),
    ('+stats-pool', dict(m=dict(global_pool='stats'))),
    ('+source-balance', dict(m=dict(balance='source'))),
    ('+adversary', dict(m=dict(adversary='source'))),
    ('+band-3.8k', dict(f=dict(fmax=3800.0))),
    ('+mixing', dict(mix=True)),
]

def configs():
    "{name: settings}: the cumulative steps, and the final one without CMVN."
    out, cur = {}, dict(f=dict(BASE_F), m={}, augment='none', val_by='speaker', mix=False)
    for name, ch in STEPS:
        cur = dict(cur, **{k: v for k, v in ch.items() if k not in ('f', 'm')},
                   f={**cur['f'], **ch.get('f', {})}, m={**cur['m'], **ch.get('m', {})})
        out[name] = cur
    out['final-no-cmvn'] = dict(cur, f={**cur['f'], 'normalize': False})
    # not cumulative: the steps that helped somewhere, without those that hurt the random split
    aug = dict(out['+augment'])
    out['aug+mixing'] = dict(aug, mix=True)
    out['aug+mixing+adversary'] = dict(aug, mix=True, m={**aug['m'], 'adversary': 'source'})
    return out

def load_dev(store, root:Path):
    from langclass.sources import import_corpus
    from langclass.store import read_store_catalog
    man = root/'manifest.csv'
    if not man.is_file(): sys.exit(f"no {man}: build the set first (python shared/realspeech-dev/build.py --cap 1000)")
    import_corpus(man, store, progress=False)
    return [c for c in read_store_catalog(store) if c.source != SYNTH]

def load_synth(store, out:Path, langs, speakers:int, seed:int):
    "A small synthetic corpus (4-10 s clips, every voice in every language) imported through its manifest (source `synthetic-espeak`)."
    from langclass.demo import build_corpus
    from langclass.sources import import_corpus
    from langclass.store import read_store_catalog
    build_corpus(out/'synth-corpus', langs=langs, speakers_per_lang=speakers, clips_per_speaker=2, seed=seed,
                 min_s=4.0, max_s=10.0, progress=False)
    import_corpus(out/'synth-corpus'/'manifest.csv', store, progress=False)
    return [c for c in read_store_catalog(store) if c.source == SYNTH]

def fold_score(lm, clips_test):
    "Macro accuracy over languages (sources averaged within each) on `clips_test`; unlearnt languages count 0."
    import numpy as np
    from langclass.model import evaluate
    known = [c for c in clips_test if c.lang in lm.langs]
    cells = {}
    if known:
        ev = evaluate(lm, lm.meta['_store'], known, workers=1)
        for l, d in ev.per_language_source.items():
            for s, v in d.items(): cells[(l, s)] = (v['accuracy'], v['clips'])
    for c in clips_test:
        if c.lang not in lm.langs: cells[(c.lang, c.source)] = (0.0, cells.get((c.lang, c.source), (0, 0))[1] + 1)
    langs = sorted({l for l, _ in cells})
    macro = float(np.mean([np.mean([a for (l2, _), (a, _) in cells.items() if l2 == l]) for l in langs])) if langs else float('nan')
    return macro, {f"{l}/{s}": {'accuracy': round(a, 3), 'clips': n} for (l, s), (a, n) in sorted(cells.items())}

def run(name, cfg, fold, real, synth, store, epochs, seed):
    from langclass.features import FeatureConfig
    from langclass.model import ModelConfig, train
    clips = real + (synth if cfg['mix'] else [])
    fcfg = FeatureConfig(**cfg['f'])
    mcfg = ModelConfig(**{'epochs': epochs, 'patience': 8, 'seed': seed, **cfg['m']})
    kw = dict(group_by='clip', test_frac=0.2) if fold == 'random' else dict(holdout_sources=FOLDS[fold])
    t = time.time()
    lm = train(store, clips, fcfg, mcfg, val_by=cfg['val_by'], augment=cfg['augment'], save=False, workers=1, verbose=0, **kw)
    lm.meta['_store'] = store
    test_ids = set(lm.splits['test'])
    tests = [c for c in clips if c.clip_id in test_ids and c.source != SYNTH]
    macro, cells = fold_score(lm, tests)
    cost = lm.meta.get('epoch_cost') or []
    return {'config': name, 'fold': fold, 'macro': round(macro, 3), 'cells': cells, 'epochs': lm.meta['epochs_run'],
            'seconds': round(time.time() - t, 1), 'test_clips': len(tests),
            'epoch_s': round(sum(e['epoch_s'] for e in cost) / max(1, len(cost)), 2),
            'augment_s': round(sum(e['augment_s'] for e in cost) / max(1, len(cost)), 2), 'val_by': lm.meta['split'].get('val_by')}

def table(results, folds):
    rows = ['| configuration | ' + ' | '.join(folds) + ' | mean of folds | s/epoch |', '|---' * (len(folds) + 3) + '|']
    for name in dict.fromkeys(r['config'] for r in results):
        rs = {r['fold']: r for r in results if r['config'] == name}
        lso = [rs[f]['macro'] for f in folds if f in rs and f != 'random']
        mean = f"{sum(lso)/len(lso):.3f}" if lso and len(lso) == len([f for f in folds if f != 'random']) else '–'
        es = [r['epoch_s'] for r in rs.values()]
        rows.append(f"| {name} | " + ' | '.join(f"{rs[f]['macro']:.3f}" if f in rs else '–' for f in folds) +
                    f" | {mean} | {sum(es)/len(es):.1f} |")
    return '\n'.join(rows)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--root', default=os.path.expanduser('~/.cache/langclass-realspeech-dev'))
    ap.add_argument('--out', default='bench/_out/realspeech')
    ap.add_argument('--configs', default=','.join(configs()))
    ap.add_argument('--folds', default='F1,F2,F3,F4,random')
    ap.add_argument('--epochs', type=int, default=25)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--synth-speakers', type=int, default=12)
    ap.add_argument('--transfer', action='store_true', help="also train on the synthetic corpus alone and score every real clip")
    a = ap.parse_args(argv)
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    from langclass.store import LocalStore
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    store = LocalStore(out/'store')
    real = load_dev(store, Path(a.root).expanduser())
    langs = sorted({c.lang for c in real})
    cfgs, names, folds = configs(), a.configs.split(','), a.folds.split(',')
    need_synth = a.transfer or any(cfgs[n]['mix'] for n in names)
    synth = load_synth(store, out, langs, a.synth_speakers, a.seed) if need_synth else []
    print(f"{len(real)} real clips from {len({c.source for c in real})} sources, {len(synth)} synthetic; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    res_f = out/'results.json'
    results = json.loads(res_f.read_text()) if res_f.exists() else []
    done = {(r['config'], r['fold']) for r in results}
    for n in names:
        for f in folds:
            if (n, f) in done: continue
            r = run(n, cfgs[n], f, real, synth, store, a.epochs, a.seed)
            results.append(r); res_f.write_text(json.dumps(results, indent=1))
            print(f"{n:18s} {f:6s} macro {r['macro']:.3f} ({r['test_clips']} clips, {r['epochs']} epochs, {r['seconds']}s, "
                  f"{r['epoch_s']}s/epoch, augmentation {r['augment_s']}s/epoch, val {r['val_by']})", flush=True)
    if a.transfer and ('synthetic-only', 'all-real') not in done:
        from langclass.features import FeatureConfig
        from langclass.model import ModelConfig, train
        fin = cfgs[names[-1]]
        lm = train(store, synth + real, FeatureConfig(**fin['f']), ModelConfig(**{'epochs': a.epochs, 'patience': 8, **fin['m']}),
                   holdout_sources=sorted({c.source for c in real}), augment=fin['augment'], save=False, workers=1, verbose=0)
        lm.meta['_store'] = store
        macro, cells = fold_score(lm, real)
        results.append({'config': 'synthetic-only', 'fold': 'all-real', 'macro': round(macro, 3), 'cells': cells,
                        'epochs': lm.meta['epochs_run'], 'epoch_s': 0, 'test_clips': len(real)})
        res_f.write_text(json.dumps(results, indent=1))
    print(f"\nload {os.getloadavg()[0]:.1f}\n")
    print(table([r for r in results if r['config'] in names], folds))
    for r in results:
        if r['config'] == names[-1] or r['config'] == 'synthetic-only':
            print(f"\n{r['config']} {r['fold']}: " + ', '.join(f"{k} {v['accuracy']:.2f} ({v['clips']})" for k, v in r['cells'].items()))

if __name__ == '__main__': main()
