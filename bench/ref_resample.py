#!/usr/bin/python3
"""Load gauge for make bench-prep: the reference's resampler, scipy.signal.resample_poly(x, 1, 3)
(its 61-tap Kaiser FIR), on the first N WAV clips of a folder, timed in CPU seconds on one
core. The reference measured 5.29 s for the 1440 clips (3.67 ms per clip) on this kind of
machine; the same computation timed now says how much slower the machine is at the moment,
so our benchmark's times can be compared with the reference's at equal load. The samples
are float64, int16 / 32768 as numpy computes it (the reference's decoding); in float32
scipy is ~1.7x faster.

Usage: python3 bench/ref_resample.py <folder of WAV files> [--clips 240]
Prints one line: ref_resample_ms_per_clip=... clips=...
Exits with status 3 (and a message on stderr) when numpy/scipy are not installed.
"""
import argparse
import os
import sys
import time
import wave

try:
    import numpy as np
    from scipy.signal import resample_poly
except ImportError:
    print("numpy/scipy are not installed", file=sys.stderr)
    sys.exit(3)


def wav_files(root):
    out = []
    for d, _, files in os.walk(root):
        out += [os.path.join(d, f) for f in files if f.lower().endswith(".wav")]
    return sorted(out)


def mono48k(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getframerate() != 48000:
            return None
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768  # float64
        c = w.getnchannels()
        return x.reshape(-1, c).mean(axis=1) if c > 1 else x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--clips", type=int, default=240)
    a = ap.parse_args()
    clips = [x for x in (mono48k(p) for p in wav_files(a.folder)[: a.clips]) if x is not None]
    if not clips:
        print(f"no 16-bit 48 kHz WAV files in {a.folder}", file=sys.stderr)
        sys.exit(2)
    resample_poly(clips[0], 1, 3)  # warm-up
    t0 = time.process_time()
    for x in clips:
        resample_poly(x, 1, 3)
    ms = (time.process_time() - t0) / len(clips) * 1000
    print(f"ref_resample_ms_per_clip={ms:.3f} clips={len(clips)}")


if __name__ == "__main__":
    main()
