// audio.parquet (CONTRACTS.md): id (utf8), sample_rate (int32), n_samples (int32),
// samples (List<Float32>, mono). Written as record batches of BATCH clips so no single
// buffer holds the whole corpus (1440 clips at 16 kHz ≈ 340 MB of float32) and a
// reader can stream row groups.
import { Field, Float32, Int32, List, makeData, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { writeParquetFile } from '../io/parquet.ts';

export interface AudioClip {
  id: string;
  sampleRate: number;
  samples: Float32Array;
}

const BATCH = 128;

const schema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('sample_rate', new Int32(), false),
  new Field('n_samples', new Int32(), false),
  new Field('samples', new List(new Field('item', new Float32(), false)), false),
]);

function batch(clips: AudioClip[]): RecordBatch {
  let total = 0;
  const offsets = new Int32Array(clips.length + 1);
  clips.forEach((c, i) => {
    total += c.samples.length;
    offsets[i + 1] = total;
  });
  const values = new Float32Array(total);
  clips.forEach((c, i) => values.set(c.samples, offsets[i]));
  const child = makeData({ type: new Float32(), length: total, data: values });
  const listType = schema.fields[3].type as List<Float32>;
  const samples = makeData({ type: listType, length: clips.length, nullCount: 0, valueOffsets: offsets, child });
  const id = vectorFromArray(clips.map((c) => c.id), new Utf8()).data[0];
  const sr = makeData({ type: new Int32(), length: clips.length, data: Int32Array.from(clips, (c) => c.sampleRate) });
  const n = makeData({ type: new Int32(), length: clips.length, data: Int32Array.from(clips, (c) => c.samples.length) });
  const struct = makeData({ type: new Struct(schema.fields), length: clips.length, nullCount: 0, children: [id, sr, n, samples] });
  return new RecordBatch(schema, struct);
}

export function audioTable(clips: AudioClip[]): Table {
  const batches: RecordBatch[] = [];
  for (let i = 0; i < clips.length; i += BATCH) batches.push(batch(clips.slice(i, i + BATCH)));
  if (!batches.length) return new Table(schema);
  return new Table(batches);
}

export async function writeAudioParquet(path: string, clips: AudioClip[]): Promise<void> {
  await writeParquetFile(path, audioTable(clips), { rowGroupSize: BATCH });
}

/** Used only by tests and tools; the featurize stage has its own zero-copy reader. */
export function clipsFromTable(table: Table): AudioClip[] {
  const out: AudioClip[] = [];
  const ids = table.getChild('id')!;
  const rates = table.getChild('sample_rate')!;
  const samples = table.getChild('samples')!;
  for (let i = 0; i < table.numRows; i++) {
    const v = samples.get(i) as { toArray(): Float32Array };
    out.push({ id: ids.get(i) as string, sampleRate: rates.get(i) as number, samples: Float32Array.from(v.toArray()) });
  }
  return out;
}
