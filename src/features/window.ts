// Analysis windows, as librosa/scipy define them.

/**
 * Periodic Hann window of length `winLength` (scipy.signal.get_window('hann', N,
 * fftbins=True): w[n] = 0.5 − 0.5·cos(2πn/N)), zero-padded on both sides to `nFft`
 * the way librosa.util.pad_center does (left pad = ⌊(nFft − winLength)/2⌋).
 */
export function periodicHann(winLength: number, nFft = winLength): Float64Array {
  if (winLength > nFft) throw new Error(`window length ${winLength} exceeds n_fft ${nFft}`);
  const w = new Float64Array(nFft);
  const left = Math.floor((nFft - winLength) / 2);
  for (let n = 0; n < winLength; n++) w[left + n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / winLength);
  return w;
}
