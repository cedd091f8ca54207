// split.parquet (CONTRACTS.md): id (utf8), fold (int32), role (utf8 train|val|test).
// Footer metadata `split` = JSON {protocol, speaker_independent, folds, label}: the
// report reads the protocol from here (it does not see the split params).
import { Int32, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { readParquetFile, readParquetMetadata, writeParquetFile } from '../io/parquet.ts';
import { canonicalJson } from '../pipeline/params.ts';
import { ROLES, type Assignment, type Role, type SplitResult } from './protocols.ts';

/** How a report should describe the protocol. */
export function protocolLabel(r: Pick<SplitResult, 'protocol'>): string {
  switch (r.protocol) {
    case 'speaker-kfold':
      return 'speaker-independent 6-fold (actor groups of 4)';
    case 'random':
      return 'random stratified split — speakers shared across splits';
    case 'actors':
      return 'explicit actor lists (speaker-independent)';
  }
}

export function splitMetadata(r: SplitResult, seed: number): Record<string, string> {
  return {
    split: canonicalJson({
      protocol: r.protocol,
      speaker_independent: r.speakerIndependent,
      folds: r.folds,
      label: protocolLabel(r),
      ...(r.protocol === 'random' ? { seed } : {}),
    }),
  };
}

export function buildSplitTable(rows: readonly Assignment[]): Table {
  return new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
    fold: makeVector(Int32Array.from(rows, (r) => r.fold)),
    role: vectorFromArray(rows.map((r) => r.role), new Utf8()),
  });
}

export async function writeSplitFile(path: string, r: SplitResult, seed: number): Promise<void> {
  await writeParquetFile(path, buildSplitTable(r.rows), { metadata: splitMetadata(r, seed) });
}

export interface SplitFile {
  protocol: string;
  speakerIndependent: boolean;
  label: string;
  folds: number[];
  rows: Assignment[];
  /** Clip ids of one fold and role, in file order (sorted by id). */
  ids(fold: number, role: Role): string[];
}

/** Read split.parquet (for train/evaluate/report). */
export async function readSplitFile(path: string): Promise<SplitFile> {
  const [table, meta] = await Promise.all([readParquetFile(path), readParquetMetadata(path)]);
  if (!meta.split) throw new Error(`${path}: footer metadata 'split' missing — not written by the split stage`);
  const info = JSON.parse(meta.split) as { protocol: string; speaker_independent: boolean; folds: number[]; label: string };
  const ids = table.getChild('id')!.toArray() as string[];
  const folds = table.getChild('fold')!.toArray() as Int32Array;
  const roles = table.getChild('role')!.toArray() as string[];
  const rows: Assignment[] = ids.map((id, i) => {
    if (!(ROLES as readonly string[]).includes(roles[i])) throw new Error(`${path}: clip ${id} has role '${roles[i]}'`);
    return { id, fold: folds[i], role: roles[i] as Role };
  });
  return {
    protocol: info.protocol,
    speakerIndependent: info.speaker_independent,
    label: info.label,
    folds: info.folds,
    rows,
    ids: (fold, role) => rows.filter((r) => r.fold === fold && r.role === role).map((r) => r.id),
  };
}
