"""Benchmark: a model trained on clean synthetic speech, scored on channels it never heard.

    python bench/bench_channels.py [--out DIR] [--speakers N] [--epochs N] [--seed S] [--demo]

A synthetic espeak-ng corpus (`langclass.demo`, six languages, every voice speaking every language,
4-10 s clips, **no** background noise or room: clean renders) is split into training voices and
held-out voices reading held-out sentences (`langclass.demo.split_heldout`). Each held-out clip is
also rendered through three channels the training set never has, with `langclass.augment`'s
functions at fixed settings: telephone (300-3400 Hz and an 8 kHz round trip), GSM 06.10 codec,
and a reverberant room (RT60 0.7 s, DRR 0 dB). Two models are trained with the same seed, one
without augmentation and one with the default training chain (`train_chain`), and each is scored on
the clean held-out clips and on each channel. Writes DIR/channels.json and prints the table.
`--demo` uses the demo's corpus size (48 voices per language, 10-40 s clips), features and model
config (80 epochs), as `langclass demo` trains, but on clean renders.
"""
from __future__ import annotations
import argparse, csv, io, json, os, time
from pathlib import Path

CHANNELS = {
    'telephone': lambda A, y, sr, rng: A.telephone(y, sr),
    'gsm': lambda A, y, sr, rng: A.codec(y, sr, format='gsm'),
    'reverb': lambda A, y, sr, rng: A.reverb(y, sr, rt60_s=0.7, drr_db=0.0, rng=rng),
}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default='bench/_out/channels')
    ap.add_argument('--speakers', type=int, default=16, help="synthetic voices per language")
    ap.add_argument('--epochs', type=int, default=40)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--demo', action='store_true', help="the demo's corpus size (48 voices, 10-40 s clips), features and model config")
    a = ap.parse_args(argv)
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import numpy as np, soundfile as sf
    from langclass import augment as A
    from langclass.core import DEFAULT_LANGS, Clip, rng_for
    from langclass.demo import build_corpus, split_heldout
    from langclass.features import FeatureConfig, load_audio
    from langclass.sources import import_corpus
    from langclass.store import LocalStore, read_store_catalog
    from langclass.model import ModelConfig, train, evaluate
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    corpus = out/'corpus'
    from langclass.demo import DEMO_FEATURES, DEMO_MODEL
    size = dict(speakers_per_lang=48) if a.demo else dict(speakers_per_lang=a.speakers, min_s=4.0, max_s=10.0)
    items = build_corpus(corpus, langs=DEFAULT_LANGS, clips_per_speaker=2, seed=a.seed, noise_frac=0.0, reverb_frac=0.0,
                         progress=False, **size)
    train_c, test_c = split_heldout([c for c, _ in items])
    test_ids = {c.clip_id for c in test_c}
    rows = [['path', 'lang', 'source', 'speaker', 'text']]
    for c, p in items:
        rows.append([p.relative_to(corpus), c.lang, 'clean', c.speaker_id, c.text or ''])
        if c.clip_id not in test_ids: continue
        y = load_audio(p, 16000)
        for k, (name, fn) in enumerate(CHANNELS.items()):
            q = corpus/name/p.name
            if not q.exists():
                q.parent.mkdir(parents=True, exist_ok=True)
                z = np.clip(fn(A, y, 16000, rng_for(a.seed, name, c.clip_id)), -1, 1)
                sf.write(q, z, 16000, format='MP3')
            rows.append([q.relative_to(corpus), c.lang, name, c.speaker_id, c.text or ''])
    with open(corpus/'manifest.csv', 'w', newline='') as f: csv.writer(f).writerows(rows)
    store = LocalStore(out/'store')
    import_corpus(corpus/'manifest.csv', store, progress=False)
    cat = read_store_catalog(store)
    key = lambda c: (c.speaker_id, c.text)  # the same held-out utterance under every channel
    held = {key(c) for c in test_c}
    tr = [c for c in cat if c.source == 'clean' and key(c) not in held]
    te = [c for c in cat if key(c) in held]
    spk = sorted({(c.lang, c.speaker_id) for c in tr})
    val_spk = {s for i, s in enumerate(spk) if i % 8 == 0}  # one voice in eight for validation
    splits = {'train': [c for c in tr if (c.lang, c.speaker_id) not in val_spk],
              'val': [c for c in tr if (c.lang, c.speaker_id) in val_spk], 'test': te}
    fcfg = FeatureConfig(**DEMO_FEATURES) if a.demo else FeatureConfig(window_s=6.0, hop_s=3.0, n_mels=40, n_fft=640, hop_length=320)
    mcfg = ModelConfig(seed=a.seed, **DEMO_MODEL) if a.demo else ModelConfig(epochs=a.epochs, patience=12, seed=a.seed)
    print(f"{len(splits['train'])} train / {len(splits['val'])} val clean clips; {len(te)} test clips "
          f"({len(test_c)} held-out utterances × clean + {len(CHANNELS)} channels); load {os.getloadavg()[0]:.1f}", flush=True)
    res = {}
    for aug in ('none', 'default'):
        t = time.time()
        lm = train(store, splits=splits, feature_cfg=fcfg, model_cfg=mcfg, augment=aug, save=False, workers=1, verbose=0)
        ev = evaluate(lm, store, te, workers=1)
        cost = lm.meta['epoch_cost']
        res[aug] = {'per_channel': {k: v['accuracy'] for k, v in ev.per_source.items()}, 'epochs': lm.meta['epochs_run'],
                    'seconds': round(time.time() - t, 1),
                    'epoch_s': round(sum(e['epoch_s'] for e in cost) / len(cost), 2)}
        print(f"augment={aug}: {res[aug]}", flush=True)
    (out/'channels.json').write_text(json.dumps(res, indent=1))
    names = ['clean', *CHANNELS]
    print(f"\nload {os.getloadavg()[0]:.1f}\n\n| training augmentation | " + ' | '.join(names) + ' | channels (mean) | s/epoch |')
    print('|---' * (len(names) + 3) + '|')
    for aug, r in res.items():
        ch = [r['per_channel'][n] for n in CHANNELS]
        print(f"| {aug} | " + ' | '.join(f"{r['per_channel'][n]:.3f}" for n in names) + f" | {sum(ch)/len(ch):.3f} | {r['epoch_s']} |")

if __name__ == '__main__': main()
