"""Per-worker throughput of langclass.distributed against the single-process path, and a projection to 1 M clips.

Measures on this machine (a 2-core box: no speed-up is expected from two Ray nodes on it):
- featurize: seconds per 10-s clip (default FeatureConfig) in one process (`featurize_catalog`, folder store),
  and on a two-node local Ray cluster reading and writing an S3 store (`featurize_ray`, rclone S3 server);
- S3 I/O per clip on the local rclone server (GET the MP3, PUT the features);
- training: seconds per window of the default CNN on default features, one process (`model.train`) and
  two Ray workers (`train_ray`, MultiWorkerMirroredStrategy), from the fit time of a few epochs.
Then projects featurize time and epoch time for 1 M clips of 10 s at 8, 32 and 128 workers, with the
assumptions printed beside the table.

    python bench/bench_distributed.py [--clips 48] [--epochs 2] [--out bench/_out/distributed.json]
"""
from __future__ import annotations
import argparse, json, math, os, shutil, tempfile, time
from dataclasses import replace
from pathlib import Path

def load() -> str:
    "The machine's load average, for the record."
    return ' '.join(f'{x:.1f}' for x in os.getloadavg())

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clips', type=int, default=48, help="10-s clips in the bench corpus (a multiple of 12)")
    ap.add_argument('--epochs', type=int, default=2, help="training epochs timed on each side")
    ap.add_argument('--out', default='bench/_out/distributed.json')
    a = ap.parse_args()
    from langclass.sources import tone_corpus, import_corpus
    from langclass.store import LocalStore, S3Store, sync, feature_key
    from langclass.features import FeatureConfig, featurize_catalog
    from langclass.testing import s3_server
    from langclass import model as M
    from langclass.distributed import local_cluster, featurize_ray, train_ray
    import ray

    tmp = Path(tempfile.mkdtemp(prefix='bench-dist-'))
    per = max(1, a.clips // 12)
    tone_corpus(tmp/'tones', langs=('en', 'ru', 'zh'), speakers=4, clips=per, seconds=10.0, ext='mp3', seed=0)
    local = LocalStore(tmp/'local')
    cat, _ = import_corpus(tmp/'tones', local, format='folders', progress=False)
    fcfg = FeatureConfig()  # the default: 10-s windows, 64 mel bands, 1001 frames
    mcfg = replace(M.ModelConfig(), epochs=a.epochs, patience=a.epochs + 1)
    split = dict(test_frac=0.25, val_frac=0.0)
    res = {'clips': len(cat), 'clip_s': 10.0, 'feature_config': fcfg.hash, 'load_before': load()}

    t = time.perf_counter(); rep = featurize_catalog(local, cat, fcfg, workers=1, progress=False)
    res['featurize_local_s_per_clip'] = (time.perf_counter() - t) / len(cat)
    assert rep['computed'] == len(cat), rep
    npz = len(local.get_bytes(feature_key(fcfg.hash, cat[0].clip_id)))
    mp3 = sum(len(local.get_bytes(c.key)) for c in cat) / len(cat)
    res.update(npz_bytes=npz, mp3_bytes=round(mp3))

    t = time.perf_counter()
    single = M.train(local, cat, fcfg, mcfg, name='bench-single', augment='none', workers=1, verbose=0, **split)
    n_win = sum(M.estimated_windows(c, fcfg) for c in cat if c.clip_id in single.splits['train'])
    res['train_local'] = {'fit_s': single.meta['fit_seconds'], 'epochs': single.meta['epochs_run'], 'train_windows': n_win,
                          's_per_window': single.meta['fit_seconds'] / (single.meta['epochs_run'] * n_win)}

    env_keys = ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL')
    old = {k: os.environ.get(k) for k in env_keys}
    try:
        with s3_server(buckets=('bench',)) as s3, local_cluster(2, cpus_per_node=1, env=s3.env()) as cl:
            os.environ.update(s3.env())
            st = S3Store('s3://bench/data')
            sync(local, st, prefix='raw/'); sync(local, st, prefix='catalog.csv')
            data = local.get_bytes(feature_key(fcfg.hash, cat[0].clip_id))
            t = time.perf_counter()
            for c in cat[:12]: st.get_bytes(c.key); st.put_bytes(f'io-test/{c.clip_id}.npz', data)
            res['s3_io_s_per_clip_local_rclone'] = (time.perf_counter() - t) / 12
            featurize_ray(st, cat[:2], fcfg, address=cl.address, progress=False)  # warm the workers (imports)
            t = time.perf_counter(); rep = featurize_ray(st, cat, fcfg, address=cl.address, clips_per_task=4, progress=False)
            dt = time.perf_counter() - t
            assert rep['computed'] == len(cat) - 2, rep
            res['featurize_ray'] = {'wall_s': dt, 'clips': rep['computed'], 'workers': 2, 's_per_clip_wall': dt / rep['computed'],
                                    'worker_s_per_clip': 2 * dt / rep['computed']}
            lm = train_ray(st, cat, fcfg, mcfg, num_workers=2, address=cl.address, name='bench-ray', verbose=0, **split)
            d = lm.meta['distributed']
            res['train_ray'] = {'fit_s': lm.meta['fit_seconds'], 'epochs': lm.meta['epochs_run'], 'workers': 2,
                                'steps_per_epoch': d['steps_per_epoch'], 'global_batch': d['global_batch'],
                                'windows_per_epoch': d['steps_per_epoch'] * d['global_batch'],
                                'worker_s_per_window': 2 * lm.meta['fit_seconds'] / (lm.meta['epochs_run'] * d['steps_per_epoch'] * d['global_batch'])}
            ray.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for k, v in old.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    res['load_after'] = load()
    res['featurize_overhead'] = res['featurize_ray']['worker_s_per_clip'] / res['featurize_local_s_per_clip']
    res['train_overhead'] = res['train_ray']['worker_s_per_window'] / res['train_local']['s_per_window']

    # Projection: 1 M clips of 10 s (one 10-s window each with the default config)
    N_CLIPS, S3_LAT, NET = 1_000_000, 0.03, 1.25e9  # 30 ms per S3 request; 10 Gbit/s = 1.25 GB/s per node
    S3_BW = 100e6  # bytes/s one worker reads or writes S3 with (one stream)
    cf = res['featurize_local_s_per_clip']
    io = 2 * S3_LAT + (res['mp3_bytes'] + res['npz_bytes']) / S3_BW
    tw = res['train_local']['s_per_window']
    params = single.model.count_params()
    rows = []
    for n in (8, 32, 128):
        feat_h = N_CLIPS * (cf + io) / n / 3600
        step_compute = mcfg.batch_size * tw
        allreduce = 2 * (n - 1) / n * params * 4 / NET + 2 * math.log2(n) * 1e-4  # ring all-reduce + latency per step
        read = mcfg.batch_size * (res['npz_bytes'] / S3_BW)  # the step's features from S3, not overlapped (pessimistic)
        steps = math.ceil(N_CLIPS / (mcfg.batch_size * n))
        epoch_h = steps * (step_compute + allreduce + read) / 3600
        rows.append({'workers': n, 'featurize_h': feat_h, 'epoch_h': epoch_h, 'steps_per_epoch': steps,
                     's3_requests_per_s': 2 * n / (cf + io)})
    res['projection'] = {'clips': N_CLIPS, 'assumptions': {
        'cpu': 'one core per worker, as fast as this machine\'s core (measured per-clip and per-window costs above)',
        's3_latency_s': S3_LAT, 's3_stream_bytes_per_s': S3_BW, 'network_bytes_per_s': NET, 'params': params,
        'reads': 'features read from S3 each epoch, not overlapped with compute (pessimistic); tf.data prefetch hides most of it'},
        'rows': rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps({k: v for k, v in res.items() if k != 'projection'}, indent=1))
    print(f"\nprojection for {N_CLIPS:,} clips of 10 s (CPU workers, 1 core each):")
    print("| workers | featurize (h) | one epoch (h) | steps/epoch | S3 requests/s while featurizing |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['featurize_h']:.1f} | {r['epoch_h']:.2f} | {r['steps_per_epoch']:,} | {r['s3_requests_per_s']:.0f} |")

if __name__ == '__main__': main()
