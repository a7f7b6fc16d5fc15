"""Does batching pay for the Whisper encoder on a CPU?

    python bench/bench_encoder_batch.py [--clips 8] [--threads 1]

Encodes `--clips` inputs of 10 s (1,000 log-mel frames each, equal lengths so that they can share a batch)
with CTranslate2's int8 Whisper-base encoder one at a time, in batches of 4 and in one batch, on `--threads`
threads, and prints the CPU milliseconds per clip of each (two rounds, after a warm-up). Clips of unequal length
could only share a batch padded to the longest, which would also change their embeddings (Whisper's encoder
has no attention mask), so langclass batches nothing unless this says it pays.
"""
import argparse, os, time
import numpy as np

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clips', type=int, default=8)
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    import ctranslate2
    from langclass.encoders import find_weights, whisper_logmel
    m = ctranslate2.models.Whisper(str(find_weights()), compute_type='int8', intra_threads=a.threads)
    rng = np.random.default_rng(0)
    xs = [whisper_logmel((0.1 * rng.standard_normal(160000)).astype(np.float32)) for _ in range(a.clips)]
    run = lambda b: np.asarray(m.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(b))), to_cpu=True))
    run(xs[:1]); run(xs[:4])
    print(f"load average {os.getloadavg()[0]:.2f}; {a.clips} clips of 10 s, {a.threads} thread(s), CPU ms per clip:")
    for r in range(2):
        out = {}
        for name, size in (('one at a time', 1), ('batches of 4', 4), (f'one batch of {a.clips}', a.clips)):
            t = time.process_time()
            for i in range(0, a.clips, size): run(xs[i:i + size])
            out[name] = (time.process_time() - t) * 1e3 / a.clips
        print(f"  round {r + 1}: " + ', '.join(f"{k} {v:.1f}" for k, v in out.items()))

if __name__ == '__main__': main()
