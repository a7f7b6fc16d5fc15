"""Speech synthesis and MP3 encoding speed (langclass.speech), each against a peer doing the same work.

Rows:
- espeak-ng synthesis of one sentence with the per-utterance library reload that makes the output
  deterministic (`synth`), against the same synthesis without the reload (the peer: plain espeak-ng
  use, one long-lived instance). Same text, voice and output.
- MP3 encoding of the same float32 audio at 64 kbit/s, constant bitrate: `mp3_bytes` (libsndfile's
  LAME, in memory) against lameenc (the same LAME library, called directly; its input is 16-bit PCM,
  so the conversion from float is timed on its side). LAME's quality setting is 3 on both sides (the
  library's default, which libsndfile leaves alone). lameenc is a peer for this benchmark only, not a
  langclass dependency: `pip install lameenc`; the row is skipped without it.
  Writing WAV is not a peer of MP3 encoding (no compression, 30x less work), so it is not compared.

Both sides run in this process with one BLAS/OpenMP thread (environment and threadpoolctl), in
alternating order, each timed as the median of several rounds; the load average is printed.
Run: python bench/bench_speech.py [--rounds 7]
"""
import os
for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS'): os.environ[_v] = '1'
import argparse, statistics, time
import numpy as np
from threadpoolctl import threadpool_limits
from langclass.speech import synth, mp3_bytes, espeak, espeak_voice, _LOCK

SENTS = {'en': "Could you tell me where the nearest bakery is?",
         'ru': "Вчера вечером мы долго гуляли по парку.",
         'fr': "Je prends toujours un café avant de partir au travail.",
         'es': "Los domingos comemos con mis abuelos en el pueblo.",
         'zh': "我每天早上坐地铁去上班。",
         'de': "Am Wochenende fahren wir mit dem Fahrrad an den See."}


def synth_noreload(text, lang):
    "The peer: one long-lived espeak-ng instance, no reload between utterances."
    st = espeak(); lib = st['lib']; data = text.encode() + b'\0'
    with _LOCK:
        lib.espeak_SetVoiceByName(espeak_voice(lang).encode()); st['chunks'].clear()
        lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None); lib.espeak_Synchronize()
        n = sum(len(c) for c in st['chunks']); st['chunks'].clear()
    return n


def lame_bytes(y, sr, kbps=64, quality=3):
    "The peer: `y` (float) encoded with LAME through lameenc, constant bitrate."
    import lameenc
    enc = lameenc.Encoder()
    enc.set_bit_rate(kbps); enc.set_in_sample_rate(sr); enc.set_channels(1); enc.set_quality(quality)
    pcm = (np.clip(y, -1, 1) * 32767).astype('<i2')
    return bytes(enc.encode(pcm.tobytes()) + enc.flush())


def versus(ours, peer, n, rounds):
    "Median ms per call of `ours` and `peer`, rounds alternating which goes first."
    ours(); peer()                                   # warm up both
    t = {0: [], 1: []}
    for r in range(rounds):
        for k in ((0, 1) if r % 2 == 0 else (1, 0)):
            f = (ours, peer)[k]; c = time.process_time()
            for _ in range(n): f()
            t[k].append((time.process_time() - c) / n * 1e3)
    return statistics.median(t[0]), statistics.median(t[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rounds', type=int, default=7)
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; CPU ms of this process, "
          f"median of {args.rounds} rounds, alternating\n")
    print(f"{'case':40s} {'ours ms':>9s} {'peer ms':>9s} {'peer/ours':>9s}  audio s")
    with threadpool_limits(1):
        for lang, s in SENTS.items():
            y, sr = synth(s, lang)
            a, b = versus(lambda: synth(s, lang), lambda: synth_noreload(s, lang), 10, args.rounds)
            print(f"{'synth ' + lang + ' (peer: no reload)':40s} {a:9.2f} {b:9.2f} {b / a:9.2f}  {len(y) / sr:.2f}")
        y = np.concatenate([synth(s, lang)[0] for lang, s in SENTS.items()]); sr = 22050
        try:
            import lameenc  # noqa: F401
        except ImportError:
            print("mp3: lameenc is not installed (pip install lameenc), MP3 row skipped")
        else:
            mine, theirs = mp3_bytes(y, sr, kbps=64), lame_bytes(y, sr, kbps=64)
            a, b = versus(lambda: mp3_bytes(y, sr, kbps=64), lambda: lame_bytes(y, sr, kbps=64), 5, args.rounds)
            print(f"{'mp3 64 kbit/s CBR (peer: lameenc)':40s} {a:9.2f} {b:9.2f} {b / a:9.2f}  {len(y) / sr:.2f}")
            print(f"\nMP3 sizes: ours {len(mine)} bytes ({len(mine) * 8 / (len(y) / sr) / 1e3:.0f} kbit/s), "
                  f"lameenc {len(theirs)} bytes ({len(theirs) * 8 / (len(y) / sr) / 1e3:.0f} kbit/s)")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == '__main__':
    main()
