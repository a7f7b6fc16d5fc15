#!/usr/bin/env python
"""Benchmark of langclass.model: inference per 10 s clip (decode + features + CNN) on ONE thread,
and training time per epoch per 1,000 windows, with the default FeatureConfig and ModelConfig.

    python bench/bench_model.py [--clips 40] [--rounds 7] [--windows 1000] [--skip-train]

Each phase runs in its own process. The inference phases run with every thread pool at one thread, the
same for both sides: OMP/OPENBLAS/MKL_NUM_THREADS=1 in the environment before anything is imported,
threadpoolctl's limit of 1, TensorFlow's intra- and inter-op pools at 1, LiteRT `num_threads=1`
(scipy.fft uses one worker unless asked).

`predict` row (like with like, issue 22): the same work on the same decoded 10 s clip -- features of its
windows, the CNN, the mean over windows -- by langclass's prediction path (`langclass.features` in
NumPy/SciPy + the CNN's LiteRT export, `langclass.infer`) and by the peer that path replaced (librosa's
melspectrogram + power_to_db + the same per-window CMVN, and the same CNN as a compiled `tf.function`),
the two sides alternating in rounds; the medians of the rounds and the load average are printed.
Other peers: the goal figures of issue 7 (15 ms per clip, 60 s per epoch per 1,000 windows); AmberNet's
published 138 ms per clip on 4 threads (quoted, not run here); Keras' `model.predict` and the eager call.
"""
import os, sys, json, time, argparse, subprocess, io
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

GOAL_CLIP_MS, AMBERNET_MS, GOAL_EPOCH_S = 15.0, 138.0, 60.0

def _audio(sr=16000, dur=10.0, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed); t = np.arange(int(sr*dur))/sr
    y = 0.3*np.sin(2*np.pi*(180 + 40*np.sin(2*np.pi*3*t))*t) * (1 + np.sin(2*np.pi*4*t)) + 0.02*rng.standard_normal(t.size)
    return (y/np.abs(y).max()*0.8).astype('float32')

def _median_ms(f, n):
    "Median wall and CPU (process) milliseconds of `f()` over `n` calls: CPU time stays honest on a busy machine."
    import numpy as np
    f(); f()  # warm-up (graph tracing, allocators)
    ts, cs = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time(); f()
        ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
    return [float(np.median(ts))*1000, float(np.median(cs))*1000]

def _one_thread_tf():
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    return tf

def phase_predict(n, rounds):
    "langclass's predict path vs the librosa + tf.function peer, same clip, same work, one thread each, alternating."
    tf = _one_thread_tf()
    import numpy as np, librosa
    from langclass.features import FeatureConfig, audio_features
    from langclass.model import ModelConfig, build_model
    from langclass.infer import Runner, export_litert
    fcfg = FeatureConfig()
    y = _audio(fcfg.sr)
    m = build_model(fcfg.input_shape, 6, ModelConfig())
    runner = Runner(export_litert(m), num_threads=1)
    spec = tf.TensorSpec([None, *m.input_shape[1:]], tf.float32)
    fn = tf.function(lambda x: m(x, training=False), input_signature=[spec])
    W, H = fcfg.window_samples, fcfg.hop_samples
    def ours(): return runner(audio_features(y, fcfg)).mean(0)
    def peer():
        wins = np.stack([y[s:s + W] for s in range(0, max(1, len(y) - W + 1), H)])
        S = librosa.feature.melspectrogram(y=wins, sr=fcfg.sr, n_fft=fcfg.n_fft, hop_length=fcfg.hop_length, n_mels=fcfg.n_mels,
                                           fmin=fcfg.fmin, fmax=fcfg.fmax, center=True, pad_mode='constant')
        D = np.stack([librosa.power_to_db(s, ref=1.0, top_db=fcfg.top_db) for s in S]).transpose(0, 2, 1)
        D = (D - D.mean(1, keepdims=True)) / np.maximum(D.std(1, keepdims=True), 1e-3)
        return np.asarray(fn(D[..., None].astype(np.float32))).mean(0)
    close = float(np.abs(ours() - peer()).max())  # the same model on the same clip: the same answer
    res = {'ours': [], 'peer': []}
    for r in range(rounds):  # alternate the sides, so load changes hit both
        for k, f in (('ours', ours), ('peer', peer)) if r % 2 == 0 else (('peer', peer), ('ours', ours)):
            res[k].append(_median_ms(f, n))
    med = lambda k, i: float(np.median([v[i] for v in res[k]]))
    print(json.dumps({'ours': [med('ours', 0), med('ours', 1)], 'peer': [med('peer', 0), med('peer', 1)], 'max_prob_diff': close,
                      'windows': int(len(audio_features(y, fcfg))), 'load': os.getloadavg()[0], 'rounds': rounds, 'calls': n}))

def phase_infer(n):
    tf = _one_thread_tf()
    import soundfile as sf, numpy as np
    from langclass.features import FeatureConfig, load_audio, audio_features
    from langclass.model import ModelConfig, build_model, _forward
    fcfg = FeatureConfig()
    y = _audio(fcfg.sr); buf = io.BytesIO(); sf.write(buf, y, fcfg.sr, format='MP3'); mp3 = buf.getvalue()
    res = {}
    res['decode'] = _median_ms(lambda: load_audio(mp3, fcfg.sr), n)
    res['features'] = _median_ms(lambda: audio_features(y, fcfg), n)
    x = audio_features(y, fcfg)
    for label, mcfg in [('cnn', ModelConfig()), ('cnn_stride1', ModelConfig(stem_stride=1)),
                        ('cnn_wide', ModelConfig(filters=(32, 64, 128, 256), dense=128))]:
        m = build_model(fcfg.input_shape, 6, mcfg)
        res[f'{label}_params'] = int(m.count_params())
        res[label] = _median_ms(lambda: _forward(m, x), n)
        if label == 'cnn':
            res['cnn_keras_predict'] = _median_ms(lambda: m.predict(x[..., None], verbose=0), n)
            res['cnn_eager'] = _median_ms(lambda: np.asarray(m(x[..., None], training=False)), n)
    from langclass.infer import Runner, export_litert
    m = build_model(fcfg.input_shape, 6, ModelConfig())
    runner = Runner(export_litert(m), num_threads=1)
    res['cnn_litert'] = _median_ms(lambda: runner(x), n)
    res['total_litert'] = _median_ms(lambda: runner(audio_features(load_audio(mp3, fcfg.sr), fcfg)).mean(0), n)
    res['total'] = _median_ms(lambda: _forward(m, audio_features(load_audio(mp3, fcfg.sr), fcfg)).mean(0), n)
    res['windows_per_clip'] = int(len(x)); res['input_shape'] = list(fcfg.input_shape)
    res['goal'] = [res['features'][i] + res['cnn_litert'][i] for i in (0, 1)]
    print(json.dumps(res))

def phase_train(n_windows, epochs=2):
    import numpy as np, tensorflow as tf, keras
    from langclass.features import FeatureConfig
    from langclass.model import ModelConfig, build_model, _tune_dataset
    fcfg, mcfg = FeatureConfig(), ModelConfig()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_windows, *fcfg.input_shape)).astype('float32')
    Y = np.eye(6, dtype='float32')[rng.integers(0, 6, n_windows)]
    ds = _tune_dataset(tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(n_windows, seed=0).batch(mcfg.batch_size).prefetch(2))
    m = build_model(fcfg.input_shape, 6, mcfg)
    times = []
    class T(keras.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None): self.t, self.c = time.perf_counter(), time.process_time()
        def on_epoch_end(self, e, logs=None): times.append((time.perf_counter() - self.t, time.process_time() - self.c))
    m.fit(ds, epochs=epochs, callbacks=[T()], verbose=0, shuffle=False)
    print(json.dumps({'epoch_s': times, 'windows': n_windows, 'threads': os.cpu_count()}))

ONE_THREAD = {v: '1' for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS')}

def run_phase(*args, one_thread=False):
    env = {**os.environ, **(ONE_THREAD if one_thread else {})}  # set before the child imports NumPy
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env)
    if out.returncode: sys.exit(f"phase {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clips', type=int, default=40, help='timed repetitions per inference measure')
    ap.add_argument('--windows', type=int, default=1000, help='training windows per epoch')
    ap.add_argument('--rounds', type=int, default=7, help='alternating rounds of the predict comparison')
    ap.add_argument('--skip-train', action='store_true')
    ap.add_argument('--only-predict', action='store_true', help='only the like-with-like predict row')
    ap.add_argument('--phase', choices=['infer', 'train', 'predict'])
    a = ap.parse_args()
    if a.phase == 'infer': return phase_infer(a.clips)
    if a.phase == 'train': return phase_train(a.windows)
    if a.phase == 'predict': return phase_predict(a.clips, a.rounds)
    p = run_phase('--phase', 'predict', '--clips', str(a.clips), '--rounds', str(a.rounds), one_thread=True)
    print(f"predict of a decoded 10 s clip ({p['windows']} window(s), default configs), 1 thread on both sides, median of "
          f"{p['rounds']} alternating rounds of {p['calls']} calls; load average {p['load']:.1f} on {os.cpu_count()} cores:")
    print("| measure | langclass (features + LiteRT) | peer (librosa + tf.function CNN) | ratio peer / langclass |\n|---|---:|---:|---:|")
    print(f"| predict, wall ms | {p['ours'][0]:.2f} | {p['peer'][0]:.2f} | {p['peer'][0]/p['ours'][0]:.2f} |")
    print(f"| predict, CPU ms | {p['ours'][1]:.2f} | {p['peer'][1]:.2f} | {p['peer'][1]/p['ours'][1]:.2f} |")
    print(f"(largest difference between the two sides' probabilities: {p['max_prob_diff']:.1e})\n")
    if a.only_predict: return
    r = run_phase('--phase', 'infer', '--clips', str(a.clips), one_thread=True)
    print(f"Inference per 10 s clip, 1 thread, input {tuple(r['input_shape'])}, {r['windows_per_clip']} window(s), median of {a.clips}:")
    print(f"| step | wall ms | CPU ms | CPU vs goal {GOAL_CLIP_MS:.0f} ms | CPU vs AmberNet {AMBERNET_MS:.0f} ms (4 threads, quoted) |")
    print("|---|---:|---:|---:|---:|")
    rows = [('MP3 decode', r['decode']), ('features (log-mel)', r['features']),
            (f"CNN default ({r['cnn_params']:,} params), LiteRT export (predict's path)", r['cnn_litert']),
            ("CNN default, compiled tf.function call (evaluate's path)", r['cnn']),
            ("CNN default via keras model.predict (peer path)", r['cnn_keras_predict']),
            ("CNN default, eager model(x) call (peer path)", r['cnn_eager']),
            ("CNN without the strided stem (stem_stride=1)", r['cnn_stride1']),
            (f"CNN wide ({r['cnn_wide_params']:,} params)", r['cnn_wide']),
            ('features + CNN (goal measure)', r['goal']),
            ('decode + features + CNN (LiteRT), end to end', r['total_litert']),
            ('decode + features + CNN (tf.function), end to end', r['total'])]
    for k, (w, c) in rows: print(f"| {k} | {w:.1f} | {c:.1f} | {c/GOAL_CLIP_MS:.2f} | {c/AMBERNET_MS:.3f} |")
    print(f"CPU ratios to the compiled call: model.predict {r['cnn_keras_predict'][1]/r['cnn'][1]:.1f}x, eager call {r['cnn_eager'][1]/r['cnn'][1]:.1f}x; "
          f"stem stride 1 / 2 (CPU): {r['cnn_stride1'][1]/r['cnn'][1]:.1f}x; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not a.skip_train:
        t = run_phase('--phase', 'train', '--windows', str(a.windows))
        e = t['epoch_s']; k = 1000/t['windows']
        print(f"\nTraining, default configs, {t['windows']} windows of 10 s, batch 32, {t['threads']} cores "
              f"(CPU s / cores = the wall time of an idle machine):")
        print("| measure | wall s | CPU s | CPU s / cores | vs goal 60 s |\n|---|---:|---:|---:|---:|")
        for lab, (w, c) in [('first epoch (incl. tracing)', e[0]), ('later epoch', e[-1])]:
            print(f"| {lab}, per 1,000 windows | {w*k:.1f} | {c*k:.1f} | {c*k/t['threads']:.1f} | {w*k/GOAL_EPOCH_S:.2f} (wall) |")
        print(f"load average {os.getloadavg()[0]:.1f}")

if __name__ == '__main__': main()
