"""Benchmark: langclass.augment against audiomentations, in the same run, on real MP3 speech clips.

    python bench/bench_augment.py [--n 100] [--rounds 3] [--dir DIR] [--part all|six|channel]

The clips are real MP3 files of espeak-ng speech (`langclass.speech`) in the six default languages,
voices, rates and pitches varied, cut to exactly 10 s at 16 kHz, encoded once into DIR (default:
$TMPDIR/langclass-bench-augment) and decoded with soundfile for every run.

Both libraries get the same clips and the same parameter ranges (audiomentations' defaults):
TimeMask 1–20 % of the clip, HighPassFilter 20–2400 Hz at 12–24 dB/octave, AddGaussianSNR 5–40 dB,
PitchShift ±4 semitones (audiomentations' default method, signalsmith-stretch, C++), PolarityInversion,
Gain ±12 dB. Each transform alone is timed with p=1 (the cost when it acts), the chain with p=0.5
each. Each round uses another seed and alternates which library goes first; all rounds count.
Times are CPU seconds of this process (steadier than wall time on a shared machine); wall-clock
ratios are printed too, and how often the (dominant) pitch shift acted in each chain.

The channel transforms (`--part channel`) are timed in milliseconds of CPU per 10 s clip, each alone
with p=1, against audiomentations' nearest peer where it has one, in the same run (alternating which
goes first): Telephone vs BandPassFilter (theirs: the band-pass only), Codec (MP3) vs Mp3Compression
(needs the fast-mp3-augment package, its default backend; skipped if missing), Reverb vs
ApplyImpulseResponse (fed IR files made by `room_ir`), ColoredNoise vs AddColorNoise, Equalize vs
SevenBandParametricEQ, Babble vs AddBackgroundNoise (theirs: one other clip read from a WAV file per
call). RoomSimulator needs pyroomacoustics (skipped unless installed). Then the mean cost of
`train_chain()` per clip, and how often each of its steps acted.

Same conditions on both sides: one BLAS/OpenMP thread (set in the environment before NumPy loads, and
with threadpoolctl), the same clips and seeds, both sides in this process in alternating order, and
nothing but the transform inside the timed loop (what acted is read from the records afterwards).
The load average is printed with every table: the 2-core machine is shared, so compare ratios
within a run, not absolute figures across runs. To time an older langclass against the same peer,
put it first on PYTHONPATH (e.g. a `git archive` of an older commit).
"""
from __future__ import annotations
import os
for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS'): os.environ[_v] = '1'
import argparse, random, tempfile, time
from pathlib import Path
import numpy as np
import scipy.signal as sps
import soundfile as sf

TEXTS = {
    'en': ["The weather was lovely this morning, so we walked to the market by the river.",
           "My brother works in a small bakery and gets up every day before five o'clock.",
           "Could you tell me where the station is? I think I have lost my way again.",
           "We usually spend the summer holidays with our grandparents in the mountains."],
    'ru': ["Сегодня утром была прекрасная погода, и мы пошли гулять в парк.",
           "Мой брат работает в маленькой пекарне и встаёт каждый день очень рано.",
           "Скажите, пожалуйста, как пройти к вокзалу? Кажется, я заблудился.",
           "Летом мы обычно ездим к бабушке и дедушке в деревню у озера."],
    'fr': ["Il faisait très beau ce matin, alors nous sommes allés au marché à pied.",
           "Mon frère travaille dans une petite boulangerie et se lève avant cinq heures.",
           "Pourriez-vous me dire où se trouve la gare ? Je crois que je me suis perdu.",
           "En été, nous passons souvent les vacances chez nos grands-parents à la montagne."],
    'es': ["Esta mañana hacía muy buen tiempo, así que fuimos andando al mercado.",
           "Mi hermano trabaja en una panadería pequeña y se levanta antes de las cinco.",
           "¿Podría decirme dónde está la estación? Creo que me he perdido otra vez.",
           "En verano solemos pasar las vacaciones con nuestros abuelos en el pueblo."],
    'zh': ["今天早上天气很好，所以我们走路去河边的市场。",
           "我哥哥在一家小面包店工作，每天五点以前就起床。",
           "请问火车站在哪里？我好像又迷路了。",
           "夏天我们常常去山里的爷爷奶奶家过暑假。"],
    'de': ["Heute Morgen war das Wetter herrlich, also sind wir zum Markt am Fluss gelaufen.",
           "Mein Bruder arbeitet in einer kleinen Bäckerei und steht jeden Tag vor fünf Uhr auf.",
           "Können Sie mir sagen, wo der Bahnhof ist? Ich glaube, ich habe mich verlaufen.",
           "Im Sommer fahren wir meistens zu unseren Großeltern in die Berge."],
}
SR, SECONDS = 16000, 10.0
VARIANTS = (None, 'm1', 'm3', 'm7', 'f1', 'f2', 'f4', 'klatt')


def speech_clip(i:int, sr:int=SR, seconds:float=SECONDS) -> np.ndarray:
    "Clip `i`: espeak-ng sentences of one language and voice until `seconds`, at `sr` Hz (float32)."
    from langclass.speech import synth
    rng = np.random.default_rng(i)
    lang = list(TEXTS)[i % len(TEXTS)]
    voice = dict(variant=VARIANTS[rng.integers(len(VARIANTS))], rate=int(rng.integers(140, 200)),
                 pitch=int(rng.integers(30, 70)))
    parts, n = [], 0
    while n < seconds * sr:
        y, sr0 = synth(TEXTS[lang][int(rng.integers(len(TEXTS[lang])))], lang, **voice)
        y = sps.resample_poly(y, sr, sr0).astype(np.float32)
        parts += [y, np.zeros(int(rng.uniform(0.2, 0.6) * sr), np.float32)]; n += len(y) + len(parts[-1])
    return np.concatenate(parts)[:int(seconds * sr)]


def load_clips(root:Path, n:int) -> list[np.ndarray]:
    "`n` 10 s clips decoded from MP3 files in `root`, making the missing files first."
    from langclass.speech import mp3_bytes
    root.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(n):
        path = root / f"speech-{i:04d}.mp3"
        if not path.exists():
            part = path.with_name(path.name + '.part')
            part.write_bytes(mp3_bytes(speech_clip(i), SR, kbps=48)); os.replace(part, path)
        y, sr = sf.read(path, dtype='float32')
        if sr != SR or y.ndim != 1: raise ValueError(f"{path}: expected mono {SR} Hz, got {sr} Hz, shape {y.shape}")
        m = int(SECONDS * SR)
        clips.append(np.pad(y, (0, max(0, m - len(y))))[:m])
    return clips


def pairs(p:float):
    "`(name, ours, theirs)` for each of the six transforms, with probability `p`."
    import audiomentations as am
    import langclass.augment as A
    return [
        ('TimeMask', A.TimeMask(0.01, 0.2, p=p), am.TimeMask(min_band_part=0.01, max_band_part=0.2, p=p)),
        ('HighPass', A.HighPass(20, 2400, 12, 24, p=p), am.HighPassFilter(20, 2400, 12, 24, p=p)),
        ('WhiteNoise / AddGaussianSNR', A.WhiteNoise(5, 40, p=p), am.AddGaussianSNR(5, 40, p=p)),
        ('PitchShift', A.PitchShift(-4, 4, p=p), am.PitchShift(-4, 4, p=p)),
        ('PolarityInversion', A.PolarityInversion(p=p), am.PolarityInversion(p=p)),
        ('Gain', A.Gain(-12, 12, p=p), am.Gain(-12, 12, p=p)),
    ]


KEEP = 5  # outputs kept for checking; the others are dropped at once, as a training loop would (100 kept
          # outputs of 640 kB would make every call pay page faults for fresh memory, on both sides)

def run_ours(tf, clips, seed=0):
    "Our transform over `clips`: the first `KEEP` outputs and the records of what acted."
    rng, outs, recs = np.random.default_rng(seed), [], []
    for y in clips:
        o, rec = tf.apply(y, SR, rng)
        if len(outs) < KEEP: outs.append(o)
        recs.append(rec)
    return outs, recs

def run_theirs(tf, clips, seed=0):
    "audiomentations' transform over `clips` (seeded through `random` and `np.random`, as it draws); the outputs and whether each pitch shift acted."
    import audiomentations as am
    random.seed(seed); np.random.seed(seed)
    ps = [t for t in (tf.transforms if isinstance(tf, am.Compose) else [tf]) if isinstance(t, am.PitchShift)]
    outs, recs = [], []
    for y in clips:
        o = tf(samples=y, sample_rate=SR)
        if len(outs) < KEEP: outs.append(o)
        if ps: recs.append(bool(ps[0].parameters.get('should_apply')))   # their parameters change with every call
    return outs, recs

def n_pitched(who, recs):
    "How many times a pitch shift acted, from the records of `run_ours` or `run_theirs`."
    if who == 'theirs': return sum(recs)
    return sum(r['name'] == 'PitchShift' for rec in recs for r in (rec or {}).get('applied', [rec] if rec else []))


class NoCheck:
    "Our transform with its input check skipped (`apply(..., checked=True)`, as inside a `Compose`): audiomentations checks nothing."
    def __init__(self, tf): self.tf = tf
    def apply(self, y, sr, rng): return self.tf.apply(y, sr, rng, checked=True)


def timed(f):
    c, w = time.process_time(), time.perf_counter()
    out = f()
    return time.process_time() - c, time.perf_counter() - w, out


def compare(name, ours, theirs, clips, rounds):
    "Total CPU and wall seconds of both over `rounds` rounds (seeds 0, 1, ...), alternating who goes first."
    tot = {'ours': [0., 0., 0], 'theirs': [0., 0., 0]}
    for r in range(rounds):
        for who, f, tf in (('ours', run_ours, ours), ('theirs', run_theirs, theirs))[::1 if r % 2 == 0 else -1]:
            cpu, wall, (out, recs) = timed(lambda: f(tf, clips, seed=r))
            pitched = n_pitched(who, recs)
            if not all(o.dtype == np.float32 and o.shape == y.shape and np.isfinite(o).all() for o, y in zip(out, clips)):
                raise AssertionError(f"{who} {name}: bad output")
            tot[who] = [tot[who][0] + cpu, tot[who][1] + wall, tot[who][2] + pitched]
    n = len(clips) * rounds
    return dict(name=name, ours=n / tot['ours'][0], theirs=n / tot['theirs'][0],
                ours_wall=n / tot['ours'][1], theirs_wall=n / tot['theirs'][1],
                pitched=(tot['ours'][2] / n, tot['theirs'][2] / n))


def channel_pairs(root:Path, clips:list[np.ndarray]):
    "`(name, ours, theirs or None, note)` for each channel transform, p=1; writes the IR and background files theirs read."
    import audiomentations as am
    import langclass.augment as A
    irs, bg = root / 'ir', root / 'background'
    irs.mkdir(exist_ok=True); bg.mkdir(exist_ok=True)
    for i in range(20):                                   # the same kind of rooms on both sides
        rng = np.random.default_rng(i)
        h = A.room_ir(SR, rt60_s=float(rng.uniform(0.1, 0.8)), drr_db=float(rng.uniform(0, 12)), rng=rng)
        if not (irs / f"ir-{i:02d}.wav").exists(): sf.write(irs / f"ir-{i:02d}.wav", h, SR, subtype='FLOAT')
    bank = tuple(clips[-20:])
    for i, y in enumerate(bank):
        if not (bg / f"bg-{i:02d}.wav").exists(): sf.write(bg / f"bg-{i:02d}.wav", y, SR, subtype='FLOAT')
    try:
        import fast_mp3_augment  # noqa: F401  (Mp3Compression's default backend)
        mp3 = am.Mp3Compression(8, 32, p=1.0), 'LAME quality 7, minimp3'
    except ImportError:
        mp3 = None, 'audiomentations: fast-mp3-augment not installed'
    try:
        import pyroomacoustics  # noqa: F401
        room = am.RoomSimulator(p=1.0), 'RoomSimulator (pyroomacoustics)'
    except ImportError:
        room = None, None
    rows = [
        ('Telephone', A.Telephone(p=1), am.BandPassFilter(1750, 1950, 1.5, 1.8, 48, 48, p=1.0), 'BandPassFilter 300-3400 Hz, 48 dB/oct; no 8 kHz round trip'),
        ('Codec (mp3, 8-32 kbit/s)', A.Codec(('mp3',), 8, 32, p=1), mp3[0], f"Mp3Compression 8-32 kbit/s ({mp3[1]})"),
        ('Codec (gsm)', A.Codec(('gsm',), p=1), None, ''),
        ('Reverb (RT60 0.1-0.8 s)', A.Reverb(p=1), am.ApplyImpulseResponse(irs, p=1.0), 'ApplyImpulseResponse, 20 IR files from room_ir'),
        ('ColoredNoise (exponent -1..2)', A.ColoredNoise(5, 40, -1, 2, p=1), am.AddColorNoise(5, 40, -6.02, 3.01, p=1.0), 'AddColorNoise -6..+3 dB/oct'),
        ('Equalize (6 bands, tilt)', A.Equalize(p=1), am.SevenBandParametricEQ(-6, 6, p=1.0), 'SevenBandParametricEQ ±6 dB'),
        ('Babble (3-6 speakers)', A.Babble(bank, p=1), am.AddBackgroundNoise(bg, 5, 20, p=1.0), 'AddBackgroundNoise (1 WAV file per call)'),
        ('Speed (0.9 or 1.1)', A.Speed(choices=(0.9, 1.1), p=1), None, ''),
    ]
    if room[0] is not None: rows.append(('Reverb', A.Reverb(p=1), room[0], room[1]))
    return rows


def time_alone(tf, clips, rounds):
    "CPU seconds per clip of our transform alone over `rounds` rounds."
    tot = 0.
    for r in range(rounds):
        cpu, _, _ = timed(lambda: run_ours(tf, clips, seed=r))
        tot += cpu
    return tot / (len(clips) * rounds)


def channel_report(root, clips, rounds):
    "Print the channel transforms' table and the training chain's mean cost."
    import langclass.augment as A
    print(f"channel transforms (load average {os.getloadavg()[0]:.1f} at the start)\n")
    print("| channel transform | langclass ms/clip | audiomentations peer | peer ms/clip | ratio (CPU) |")
    print("|---|---:|---|---:|---:|")
    for name, ours, theirs, note in channel_pairs(root, clips):
        if theirs is None:
            ms = 1e3 * time_alone(ours, clips, rounds)
            print(f"| {name} | {ms:.1f} | {note or '—'} | — | — |")
            continue
        r = compare(name, ours, theirs, clips, rounds)
        print(f"| {name} | {1e3 / r['ours']:.1f} | {note} | {1e3 / r['theirs']:.1f} | {r['ours'] / r['theirs']:.1f}x |")
    try: import pyroomacoustics  # noqa: F401
    except ImportError: print("\n(RoomSimulator: pyroomacoustics is not installed, skipped)")
    tc = A.train_chain()
    acted, tot = {}, 0.
    for r in range(rounds):
        rng = np.random.default_rng(100 + r)
        c0 = time.process_time()
        for y in clips:
            _, rec = tc.apply(y, SR, rng)
            for a in rec['applied']: acted[a['name']] = acted.get(a['name'], 0) + 1
        tot += time.process_time() - c0
    n = len(clips) * rounds
    print(f"\ntrain_chain(): {1e3 * tot / n:.1f} ms per 10 s clip on average ({n} clips); acted on (% of clips): "
          + ', '.join(f"{k} {100 * v / n:.0f}" for k, v in sorted(acted.items(), key=lambda kv: -kv[1])))
    print(f"(load average {os.getloadavg()[0]:.1f} at the end)")


def lsd(a, b):
    "Log-spectral distance (dB-ish units of log10 power) between two clips."
    _, _, A = sps.stft(a, SR, nperseg=512); _, _, B = sps.stft(b, SR, nperseg=512)
    A, B = np.log10(np.abs(A) ** 2 + 1e-8), np.log10(np.abs(B) ** 2 + 1e-8)
    return float(np.mean(np.sqrt(np.mean((A - B) ** 2, axis=0))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=100, help='number of 10 s clips (>= 100 for the record)')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--dir', default=os.path.join(tempfile.gettempdir(), 'langclass-bench-augment'))
    ap.add_argument('--part', choices=('all', 'six', 'channel'), default='all', help='which tables to make')
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):                      # one BLAS/OpenMP thread on both sides
        _main(args)


def _main(args):
    import audiomentations as am
    import langclass.augment as A

    t0 = time.perf_counter()
    clips = load_clips(Path(args.dir), args.n)
    print(f"langclass from {os.path.dirname(A.__file__)}, audiomentations {am.__version__}, numpy {np.__version__}")
    print(f"{len(clips)} clips of {SECONDS:g} s at {SR} Hz decoded from MP3 in {args.dir} "
          f"({time.perf_counter() - t0:.1f} s incl. making missing ones); {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    if args.part in ('all', 'channel'):
        channel_report(Path(args.dir), clips, args.rounds)
        if args.part == 'channel': return
        print()

    for _, o, t in pairs(1.0):                       # warm up both sides (imports, caches, the allocator's thresholds)
        run_ours(o, clips[:10]); run_theirs(t, clips[:10])
    rows = [compare(name, o, t, clips, args.rounds) for name, o, t in pairs(1.0)]
    rows += [compare(name + ' (langclass: no input check)', NoCheck(o), t, clips, args.rounds)
             for name, o, t in pairs(1.0) if name in ('TimeMask', 'PolarityInversion', 'Gain')]
    chain_o = A.Compose([o for _, o, _ in pairs(0.5)])
    chain_t = am.Compose([t for _, _, t in pairs(0.5)], p=1.0, shuffle=False)
    rows.append(compare('chain of six, p=0.5 each', chain_o, chain_t, clips, args.rounds))

    print(f"the six transforms ({len(clips)} clips x {args.rounds} rounds; load average {os.getloadavg()[0]:.1f} at the end)\n")
    print("| transform | langclass ms/clip | audiomentations ms/clip | ratio (CPU) | ratio (wall) |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['name']} | {1e3 / r['ours']:.3f} | {1e3 / r['theirs']:.3f} | {r['ours'] / r['theirs']:.2f}x "
              f"| {r['ours_wall'] / r['theirs_wall']:.2f}x |")
    po, pt = rows[-1]['pitched']
    ps = next(r for r in rows if r['name'] == 'PitchShift')
    print(f"\n(the input check, which langclass runs once per call or once per chain: NaN/inf, dtype, shape; "
          f"audiomentations checks none of these)")
    adj_o = 1 / rows[-1]['ours'] + (0.5 - po) / ps['ours']        # seconds per clip had it acted on exactly half
    adj_t = 1 / rows[-1]['theirs'] + (0.5 - pt) / ps['theirs']
    print(f"\nin the chain, the pitch shift acted on {100 * po:.0f} % of the clips (langclass) and {100 * pt:.0f} % "
          f"(audiomentations); corrected to 50 % each with the costs above: {1 / adj_o:.0f} vs {1 / adj_t:.0f} clips/s, "
          f"ratio {adj_t / adj_o:.1f}x")

    # the chain is deterministic; the batch path; pitch-shift quality
    a, b = chain_o(clips[0], SR, 7), chain_o(clips[0], SR, 7)
    print(f"\nsame seed, same bytes: {a.tobytes() == b.tobytes()}")
    sub = np.stack(clips[:10])
    print("\nbatch (10 clips as one 2-D array, same parameters) vs one clip at a time, clips/s (CPU):")
    for name, f in [('gain', lambda y: A.gain(y, gain_db=-3.0)), ('white_noise', lambda y: A.white_noise(y, snr_db=20.0, rng=0)),
                    ('high_pass', lambda y: A.high_pass(y, SR, cutoff_hz=300.0)),
                    ('pitch_shift', lambda y: A.pitch_shift(y, SR, semitones=3.0))]:
        one = min(timed(lambda: [f(y) for y in sub])[0] for _ in range(2))
        bat = min(timed(lambda: f(sub))[0] for _ in range(2))
        print(f"  {name:12s} one by one {10 / one:6.0f}   batch {10 / bat:6.0f}   ({one / bat:.1f}x)")
    q_o, q_t = [], []
    for y in clips[:6]:
        for s in (3.0, -3.0):
            q_o.append(lsd(y, A.pitch_shift(A.pitch_shift(y, SR, semitones=s), SR, semitones=-s)))
            up, dn = am.PitchShift(s, s, p=1.0), am.PitchShift(-s, -s, p=1.0)
            q_t.append(lsd(y, dn(up(y, SR), SR)))
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    print(f"\npitch shift ±3 semitones and back, log-spectral distance to the original (lower is better): "
          f"langclass {np.mean(q_o):.3f}, audiomentations/signalsmith {np.mean(q_t):.3f}")


if __name__ == '__main__':
    main()
