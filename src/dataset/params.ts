// The `dataset` params (pipeline.yaml), checked: errors name the param and what is
// expected. Documented in README "Data: RAVDESS, ingest and resample".
import type { ParamValue } from '../pipeline/types.ts';
import { RAVDESS_ZIP } from './download.ts';
import type { VerifyPolicy } from './manifest.ts';

export interface DatasetParams {
  /** Folder, zip, or folder holding the zip; relative to the project root. */
  path: string;
  /** Download the official zip when `path` holds no data. */
  download: boolean;
  verify: VerifyPolicy;
  url: string;
  md5: string;
  /** Only these actors' clips (e.g. a quick subset for a smoke run); null = all. */
  actors: number[] | null;
}

export function parseDatasetParams(value: ParamValue | undefined): DatasetParams {
  const v = (value ?? {}) as Record<string, ParamValue>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`param dataset must be a mapping { path, download, verify }, got ${JSON.stringify(value)}`);
  }
  const path = v.path;
  if (typeof path !== 'string' || !path.trim()) throw new Error(`param dataset.path must be a non-empty string (a folder or a .zip), got ${JSON.stringify(path)}`);
  const download = v.download ?? true;
  if (typeof download !== 'boolean') throw new Error(`param dataset.download must be true or false, got ${JSON.stringify(download)}`);
  const verify = v.verify ?? 'warn';
  if (verify !== 'strict' && verify !== 'warn' && verify !== 'off') {
    throw new Error(`param dataset.verify must be strict, warn or off, got ${JSON.stringify(verify)}`);
  }
  const url = v.url ?? RAVDESS_ZIP.url;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new Error(`param dataset.url must be an http(s) URL, got ${JSON.stringify(url)}`);
  const md5 = v.md5 ?? RAVDESS_ZIP.md5;
  if (typeof md5 !== 'string' || !/^[0-9a-fA-F]{32}$/.test(md5)) throw new Error(`param dataset.md5 must be 32 hex digits, got ${JSON.stringify(md5)}`);
  const actors = v.actors ?? null;
  if (actors !== null && (!Array.isArray(actors) || actors.length === 0 || actors.some((a) => !Number.isInteger(a) || (a as number) < 1 || (a as number) > 24) || new Set(actors).size !== actors.length)) {
    throw new Error(`param dataset.actors must be null (all actors) or a non-empty list of distinct actor numbers 1..24, e.g. [1, 2, 3, 4], got ${JSON.stringify(actors)}`);
  }
  return { path, download, verify, url, md5: md5.toLowerCase(), actors: actors === null ? null : [...(actors as number[])].sort((a, b) => a - b) };
}
