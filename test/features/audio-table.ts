// audio.parquet as the resample stage writes it (CONTRACTS.md): id, sample_rate,
// n_samples, samples List<Float32>. Built here for tests of the downstream stages.
import { Field, Float32, List, Table, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';

export function audioTable(clips: { id: string; samples: Float32Array }[], sampleRate = 16000): Table {
  const offsets = new Int32Array(clips.length + 1);
  clips.forEach((c, i) => (offsets[i + 1] = offsets[i] + c.samples.length));
  const values = new Float32Array(offsets[clips.length]);
  clips.forEach((c, i) => values.set(c.samples, offsets[i]));
  const child = makeData({ type: new Float32(), length: values.length, data: values });
  const listType = new List(new Field('item', new Float32(), false));
  const samples = makeVector(makeData({ type: listType, length: clips.length, nullCount: 0, valueOffsets: offsets, child }));
  return new Table({
    id: vectorFromArray(clips.map((c) => c.id), new Utf8()),
    sample_rate: makeVector(new Int32Array(clips.length).fill(sampleRate)),
    n_samples: makeVector(Int32Array.from(clips, (c) => c.samples.length)),
    samples,
  });
}
