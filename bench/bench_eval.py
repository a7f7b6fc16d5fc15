"""Evaluation benchmarks (issue 27), standalone: `python bench/bench_eval.py [openset|overhead|all] [--speakers N] [--out DIR]`.

openset: the synthetic espeak-ng corpus (`langclass.demo.build_corpus`), models trained on four languages
         (en ru fr zh) and tested with clips of two held back (es de): the share of unknown-language clips
         rejected against the false rejection of known-language test clips, for several open-set scores:
         the top calibrated probability (the rule `train` stores), the entropy, and for the encoder head the
         Mahalanobis distance of the Whisper embedding to the class means; zero-shot with its fixed threshold.
overhead: the time `Evaluation` adds (figures, 1,000 bootstrap resamples, per-language EERs, summaries, to_dict)
          to the time of scoring 1,000 clips with the default CNN (one 10 s window each) and with an encoder head.

Measured (2 shared cores, load ~4; the table is in nbs/09_model.ipynb, "Open set and the cost of evaluating"):
openset, 16 speakers: encoder head rejects 23.4 % of unknown-language clips at 7.5 % false rejects (stored rule,
validation threshold), 34.4 % with the embedding's Mahalanobis distance at 5 %; CNN 14.1 % at 5 %; zero-shot at its
fixed 0.5: 4.7 % at 10 %. The 80 % goal is not met. overhead: 0.37 s of evaluation for 4.0 s of CNN scoring (9.2 %).
"""
from __future__ import annotations
import argparse, json, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np

KNOWN, HELD = ('en', 'ru', 'fr', 'zh'), ('es', 'de')

def _rates(s_val, s_known, s_unknown, fr=0.05):
    "Higher score = more 'known'. The threshold chosen on validation clips (as deployed) and the one at `fr` on the test clips."
    tv = np.sort(s_val)[int(np.floor(fr * len(s_val)))]
    tk = np.sort(s_known)[int(np.floor(fr * len(s_known)))]
    return {'val_threshold': {'false_reject': float(np.mean(s_known < tv)), 'unknown_rejected': float(np.mean(s_unknown < tv))},
            'at_5pct_test_fr': {'false_reject': float(np.mean(s_known < tk)), 'unknown_rejected': float(np.mean(s_unknown < tk))}}

def _maha(train_x, train_y, k, lam=0.5):
    "Negative Mahalanobis distance to the nearest class mean (shared, shrunk covariance) of standardised embeddings."
    mu0, sd0 = train_x.mean(0), train_x.std(0) + 1e-6
    z = (train_x - mu0) / sd0
    mu = np.stack([z[train_y == i].mean(0) for i in range(k)])
    r = z - mu[train_y]; cov = r.T @ r / len(r)
    ic = np.linalg.inv((1 - lam) * cov + lam * np.trace(cov) / len(cov) * np.eye(len(cov)))
    def score(x):
        d = (x - mu0) / sd0
        d = d[:, None] - mu[None]
        return -np.einsum('nkd,de,nke->nk', d, ic, d).min(1)
    return score

def openset(out:Path, speakers:int):
    from langclass.demo import build_corpus
    from langclass.sources import import_corpus
    from langclass.store import open_store, read_store_catalog
    from langclass import model as M, features as F, infer as I
    from langclass.encoders import EncoderConfig
    corpus, st = out/'corpus', out/'store'
    t0 = time.time()
    build_corpus(corpus, speakers_per_lang=speakers, clips_per_speaker=2, min_s=5, max_s=12, progress=False, workers=1)
    if not (st/'catalog.csv').exists(): import_corpus(corpus/'manifest.csv', st, progress=False)
    store = open_store(st); cat = read_store_catalog(store); by = {c.clip_id: c for c in cat}
    known = [c for c in cat if c.lang in KNOWN]; held = [c for c in cat if c.lang in HELD]
    print(f"corpus: {len(cat)} clips, {speakers} speakers per language ({time.time()-t0:.0f} s)", flush=True)
    res = {}
    kinds = {'encoder head (Whisper-base)': (EncoderConfig(), M.ModelConfig(dense=64, epochs=40, patience=10)),
             'CNN (log-mel, 2 s windows)': (F.FeatureConfig(window_s=2.0, hop_s=1.0, n_mels=40),
                                           M.ModelConfig(filters=(16, 32, 64), stem_stride=1, dense=32, dropout=0.1, epochs=30, patience=8,
                                                         batch_size=16, learning_rate=1e-3))}
    for name, (fcfg, mcfg) in kinds.items():
        t = time.time()
        lm = M.train(store, known, fcfg, mcfg, name=name.split()[0].lower(), test_frac=0.3, val_frac=0.2, workers=1, verbose=0)
        te = [by[i] for i in lm.splits['test']]; va = [by[i] for i in lm.splits['val']]; tr = [by[i] for i in lm.splits['train']]
        ev = M.evaluate(lm, store, te + held, unknown=True, workers=1)
        evv = M.evaluate(lm, store, va, workers=1)
        P, U, V = ev.clip_probs, ev.unknown_probs, evv.clip_probs
        ent = lambda p: (p * np.log(np.clip(p, 1e-12, 1))).sum(1)  # negative entropy: higher = more certain
        r = {'clips': {'train': len(tr), 'val': len(va), 'test_known': len(te), 'unknown': len(held)},
             'test_accuracy': ev.clip_accuracy, 'temperature': lm.temperature, 'stored_threshold': lm.open_set_threshold,
             'stored_rule_on_test': ev.open_set,
             'top_calibrated_prob': _rates(V.max(1), P.max(1), U.max(1)), 'neg_entropy': _rates(ent(V), ent(P), ent(U))}
        if fcfg.extractor == 'encoder':
            emb = lambda cs: np.concatenate([F.load_features(store, c.clip_id, lm.feature_cfg) for c in cs])
            ytr = np.array([lm.langs.index(c.lang) for c in tr])
            sc = _maha(emb(tr), ytr, len(lm.langs))
            r['mahalanobis_embedding'] = _rates(sc(emb(va)), sc(emb(te)), sc(emb(held)))
        res[name] = r
        print(f"{name}: trained and scored in {time.time()-t:.0f} s, test accuracy {ev.clip_accuracy:.3f}, T = {lm.temperature:.3f}", flush=True)
    # zero-shot: no validation set, the fixed threshold
    zs = I.zero_shot_model(KNOWN)
    te = [by[i] for i in M.load_model(store, 'encoder').splits['test']]
    evz = M.evaluate_audio(zs, store, te)
    zu = np.stack([[dict(I.predict(zs, store.local_path(c.key), min_speech=0))[l] for l in zs.langs] for c in held])
    tk = np.sort(evz.clip_probs.max(1))[int(np.floor(0.05 * len(te)))]
    res['zero-shot (Whisper-base)'] = {
        'test_accuracy': evz.clip_accuracy, 'fixed_threshold': I.ZERO_SHOT_OPEN_SET,
        'at_fixed_threshold': {'false_reject': float(np.mean(evz.clip_probs.max(1) < I.ZERO_SHOT_OPEN_SET)),
                               'unknown_rejected': float(np.mean(zu.max(1) < I.ZERO_SHOT_OPEN_SET))},
        'at_5pct_test_fr': {'false_reject': float(np.mean(evz.clip_probs.max(1) < tk)), 'unknown_rejected': float(np.mean(zu.max(1) < tk))}}
    (out/'openset.json').write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))
    return res

def overhead(n:int=1000, reps:int=3):
    from langclass import model as M
    from langclass.evaluation import Evaluation
    from langclass.features import FeatureConfig
    rng = np.random.default_rng(0)
    fcfg = FeatureConfig()
    cnn = M.build_model(fcfg.input_shape, 6)
    x = rng.standard_normal((n, *fcfg.input_shape[:2])).astype(np.float32)
    M._forward(cnn, x[:64])  # traced once
    head = M.build_model((1024,), 6)
    e = rng.standard_normal((n, 1024)).astype(np.float32)
    M._forward(head, e[:64])
    def best(f):
        ts = []
        for _ in range(reps): t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
        return min(ts)
    t_cnn = best(lambda: M._forward(cnn, x))
    t_head = best(lambda: M._forward(head, e))
    z = rng.standard_normal((n, 6)); y = rng.integers(0, 6, n); z[np.arange(n), y] += 2.5
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    def ev():
        E = Evaluation(tuple('abcdef'), [str(i) for i in range(n)], y, p, y, p.argmax(1), [f"s{i % 10}" for i in range(n)],
                         speakers=[f"p{i % 100}" for i in range(n)], open_set_threshold=0.5)
        E.summary(); E.summary(markdown=True); json.dumps(E.to_dict(clips=True))
    t_ev = best(ev)
    r = {'clips': n, 'cnn_scoring_s': t_cnn, 'head_scoring_s': t_head, 'evaluation_s': t_ev,
         'overhead_vs_cnn_pct': 100 * t_ev / t_cnn, 'overhead_vs_head_only_pct': 100 * t_ev / t_head}
    print(json.dumps(r, indent=1))
    return r

if __name__ == '__main__':
    warnings.filterwarnings('ignore')
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('what', nargs='?', default='all', choices=('openset', 'overhead', 'all'))
    ap.add_argument('--speakers', type=int, default=16, help="speakers per language of the synthetic corpus (default: 16)")
    ap.add_argument('--out', help="folder for the corpus, store and results (default: a temporary one)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        out = Path(a.out or d); out.mkdir(parents=True, exist_ok=True)
        if a.what in ('overhead', 'all'): overhead()
        if a.what in ('openset', 'all'): openset(out, a.speakers)
    sys.exit(0)
