#!/usr/bin/env python
"""Benchmark of langclass.model: inference per 10 s clip (decode + features + CNN) on ONE thread,
and training time per epoch per 1,000 windows, with the default FeatureConfig and ModelConfig.

    python bench/bench_model.py [--clips 40] [--windows 1000] [--skip-train]

Each phase runs in its own process (TensorFlow's thread pools are fixed at start-up): inference with
`tf.config.threading` set to 1 intra-op and 1 inter-op thread, training with TensorFlow's defaults.
Peers: the goal figures of issue 7 (15 ms per clip, 60 s per epoch per 1,000 windows); AmberNet's
published 138 ms per clip on 4 threads (quoted, not run here); and, in the same run, Keras'
`model.predict` path next to the compiled call that `langclass.model.predict` uses, and the eager call, the same CNN
without its strided first convolution, and a 4x wider CNN.
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

def phase_infer(n):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
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
    m = build_model(fcfg.input_shape, 6, ModelConfig())
    res['total'] = _median_ms(lambda: _forward(m, audio_features(load_audio(mp3, fcfg.sr), fcfg)).mean(0), n)
    res['windows_per_clip'] = int(len(x)); res['input_shape'] = list(fcfg.input_shape)
    res['goal'] = [res['features'][i] + res['cnn'][i] for i in (0, 1)]
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

def run_phase(*args):
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode: sys.exit(f"phase {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clips', type=int, default=40, help='timed repetitions per inference measure')
    ap.add_argument('--windows', type=int, default=1000, help='training windows per epoch')
    ap.add_argument('--skip-train', action='store_true')
    ap.add_argument('--phase', choices=['infer', 'train'])
    a = ap.parse_args()
    if a.phase == 'infer': return phase_infer(a.clips)
    if a.phase == 'train': return phase_train(a.windows)
    r = run_phase('--phase', 'infer', '--clips', str(a.clips))
    print(f"Inference per 10 s clip, 1 thread, input {tuple(r['input_shape'])}, {r['windows_per_clip']} window(s), median of {a.clips}:")
    print(f"| step | wall ms | CPU ms | CPU vs goal {GOAL_CLIP_MS:.0f} ms | CPU vs AmberNet {AMBERNET_MS:.0f} ms (4 threads, quoted) |")
    print("|---|---:|---:|---:|---:|")
    rows = [('MP3 decode', r['decode']), ('features (log-mel)', r['features']),
            (f"CNN default ({r['cnn_params']:,} params), compiled call (predict's path)", r['cnn']),
            ("CNN default via keras model.predict (peer path)", r['cnn_keras_predict']),
            ("CNN default, eager model(x) call (peer path)", r['cnn_eager']),
            ("CNN without the strided stem (stem_stride=1)", r['cnn_stride1']),
            (f"CNN wide ({r['cnn_wide_params']:,} params)", r['cnn_wide']),
            ('features + CNN (goal measure)', r['goal']),
            ('decode + features + CNN, end to end', r['total'])]
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
