// ingest's manifest: one row per source found, whatever became of it. Columns per
// CONTRACTS.md, plus `flags` (e.g. "silent") and `file_size` (the bytes ingest read,
// so resample can refuse a file that changed size underneath it).
import { Table } from 'apache-arrow';
import type { InspectResult } from '../audio/tasks.ts';
import { float64Column, int32Column, int64Column, utf8Column } from '../io/arrow-columns.ts';
import type { OfficialClip } from './official-table.ts';
import type { RavdessLabels } from './ravdess.ts';

export type ClipStatus = 'ok' | 'modified' | 'rejected' | 'unreadable';
export type VerifyPolicy = 'strict' | 'warn' | 'off';

export interface ManifestRow {
  id: string;
  source: string;
  labels: RavdessLabels | null;
  sample_rate: number | null;
  channels: number | null;
  frames: number | null;
  duration_s: number | null;
  pcm_sha256: string;
  status: ClipStatus;
  reason: string;
  flags: string;
  /** Bytes read from the source (null when it could not be read, or was not: rejected names). */
  file_size: number | null;
}

/** A row for a source whose name was refused (not decoded). */
export function rejectedRow(id: string, source: string, reason: string): ManifestRow {
  return {
    id, source, labels: null, sample_rate: null, channels: null, frames: null, duration_s: null,
    pcm_sha256: '', status: 'rejected', reason, flags: '', file_size: null,
  };
}

/**
 * The row for a decoded (or undecodable) RAVDESS clip: unreadable on a decode error,
 * modified when its PCM differs from the official release (unless verify is off).
 */
export function clipRow(labels: RavdessLabels, source: string, r: InspectResult, official: OfficialClip | undefined, verify: VerifyPolicy): ManifestRow {
  const base = { id: labels.id, source, labels, file_size: r.fileSize };
  if (!r.ok) {
    return { ...base, sample_rate: null, channels: null, frames: null, duration_s: null, pcm_sha256: '', status: 'unreadable', reason: r.reason, flags: '' };
  }
  const row: ManifestRow = {
    ...base, sample_rate: r.sampleRate, channels: r.channels, frames: r.frames, duration_s: r.frames / r.sampleRate,
    pcm_sha256: r.pcmSha256, status: 'ok', reason: '', flags: r.silent ? 'silent' : '',
  };
  if (verify !== 'off') {
    if (!official) {
      row.status = 'modified';
      row.reason = 'not a clip of the official release (no PCM checksum known for this id)';
    } else if (r.pcmSha256 !== official.pcmSha256) {
      row.status = 'modified';
      row.reason = `samples differ from the official release: ${describeDifference(r, official)}`;
    }
  }
  return row;
}

function describeDifference(r: Extract<InspectResult, { ok: true }>, o: OfficialClip): string {
  const diffs: string[] = [];
  if (r.sampleRate !== o.sampleRate) diffs.push(`sample rate ${r.sampleRate} Hz (official ${o.sampleRate})`);
  if (r.channels !== o.channels) diffs.push(`${r.channels} channel(s) (official ${o.channels})`);
  if (r.bitsPerSample !== 16) diffs.push(`${r.format} (official 16-bit PCM)`);
  if (r.frames !== o.frames) diffs.push(`${r.frames} frames (official ${o.frames})`);
  if (!diffs.length) diffs.push('same format and length, different sample values');
  return `${diffs.join(', ')}; PCM SHA-256 ${r.pcmSha256.slice(0, 12)}… ≠ ${o.pcmSha256.slice(0, 12)}…`;
}

/** Sort for a layout-independent order: by id, then source. */
export function sortRows(rows: ManifestRow[]): ManifestRow[] {
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

export function manifestTable(rows: ManifestRow[]): Table {
  const col = <T>(f: (r: ManifestRow) => T) => rows.map(f);
  const lab = <K extends keyof RavdessLabels>(k: K) => col((r) => (r.labels ? r.labels[k] : null));
  return new Table({
    id: utf8Column(col((r) => r.id)),
    source: utf8Column(col((r) => r.source)),
    modality: utf8Column(lab('modality')),
    vocal_channel: utf8Column(lab('vocal_channel')),
    emotion: utf8Column(lab('emotion')),
    emotion_code: int32Column(lab('emotion_code')),
    intensity: utf8Column(lab('intensity')),
    statement: int32Column(lab('statement')),
    repetition: int32Column(lab('repetition')),
    actor: int32Column(lab('actor')),
    gender: utf8Column(lab('gender')),
    sample_rate: int32Column(col((r) => r.sample_rate)),
    channels: int32Column(col((r) => r.channels)),
    frames: int32Column(col((r) => r.frames)),
    duration_s: float64Column(col((r) => r.duration_s)),
    pcm_sha256: utf8Column(col((r) => r.pcm_sha256)),
    status: utf8Column(col((r) => r.status)),
    reason: utf8Column(col((r) => r.reason)),
    flags: utf8Column(col((r) => r.flags)),
    file_size: int64Column(col((r) => r.file_size)),
  });
}

/** Statuses whose audio goes on to resample (modified only survives under warn/off). */
export const USABLE: readonly ClipStatus[] = ['ok', 'modified'];
