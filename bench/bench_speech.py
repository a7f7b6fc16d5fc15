"""Speech synthesis and MP3 writing speed (langclass.speech).

Rows: espeak-ng synthesis per sentence (with the per-utterance library reload that makes output
deterministic) against the same synthesis without reload (the peer: plain espeak-ng use), and
MP3 encoding at 64 kbit/s against writing WAV (the peer) of the same audio.
Run: python bench/bench_speech.py
"""
import io, time
import numpy as np, soundfile as sf
from langclass import speech
from langclass.speech import synth, mp3_bytes, espeak, espeak_voice, _LOCK, _STATE, _reload

SENTS = {'en': "Could you tell me where the nearest bakery is?",
         'ru': "Вчера вечером мы долго гуляли по парку.",
         'fr': "Je prends toujours un café avant de partir au travail.",
         'es': "Los domingos comemos con mis abuelos en el pueblo.",
         'zh': "我每天早上坐地铁去上班。",
         'de': "Am Wochenende fahren wir mit dem Fahrrad an den See."}
N = 30

def t(f, n=N):
    f(); t0 = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t0) / n * 1000

def synth_noreload(text, lang):  # the peer: one long-lived espeak-ng instance
    st = espeak(); lib = st['lib']; data = text.encode() + b'\0'
    with _LOCK:
        lib.espeak_SetVoiceByName(espeak_voice(lang).encode()); st['chunks'].clear()
        lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None); lib.espeak_Synchronize()
        n = sum(len(c) for c in st['chunks']); st['chunks'].clear()
    return n

print(f"{'case':34s} {'ours ms':>9s} {'peer ms':>9s} {'ratio':>6s}  audio s")
for lang, s in SENTS.items():
    y, sr = synth(s, lang)
    a, b = t(lambda: synth(s, lang)), t(lambda: synth_noreload(s, lang))
    print(f"{'synth ' + lang + ' (vs no reload)':34s} {a:9.2f} {b:9.2f} {a/b:6.2f}  {len(y)/sr:.2f}")
y = np.concatenate([synth(s, l)[0] for l, s in SENTS.items()]); sr = 22050
def wav(): b = io.BytesIO(); sf.write(b, y, sr, format='WAV'); return b
a, b = t(lambda: mp3_bytes(y, sr, kbps=64), 10), t(wav, 10)
print(f"{'mp3 64k %.1f s (vs WAV write)' % (len(y)/sr):34s} {a:9.2f} {b:9.2f} {a/b:6.2f}")
