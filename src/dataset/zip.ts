// Reading clips straight out of a zip (the official Audio_Speech_Actors_01-24.zip), no
// extraction to disk.
//
// yauzl parses the central directory and the local headers (ZIP64, name encodings,
// the redundancy rules between the two) once, on the main thread. What it yields per
// entry — data offset, sizes, method, CRC-32 — is plain numbers that go to the worker
// threads, which read and inflate their entries in parallel with a positioned read and
// zlib (yauzl's own per-entry API is a stream on the main thread, and does not check
// CRC-32; we do).
import { closeSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import type yauzl from 'yauzl';

/** One file in a zip, located well enough for a worker to read it without yauzl. */
export interface ZipEntryRef {
  /** Absolute path of the zip. */
  zip: string;
  /** Entry name inside the zip, e.g. "Actor_01/03-01-01-01-01-01-01.wav". */
  name: string;
  /** Byte offset of the entry's (compressed) data in the zip. */
  dataStart: number;
  compressedSize: number;
  size: number;
  /** 0 = stored, 8 = deflate; anything else is refused when read. */
  method: number;
  crc32: number;
  encrypted: boolean;
}

/** All file entries of a zip (directories left out), in central-directory order. */
export async function listZip(path: string): Promise<ZipEntryRef[]> {
  // yauzl is loaded here, not at the top: the worker threads only use readZipEntry.
  const { default: yauzlLib } = await import('yauzl');
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzlLib.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true });
  } catch (err) {
    throw new Error(`${path} is not a readable zip archive: ${(err as Error).message}`);
  }
  try {
    const entries: yauzl.Entry[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(e);
        zip.readEntry();
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
    const out: ZipEntryRef[] = [];
    for (const e of entries) {
      if (e.fileName.endsWith('/')) continue;
      const encrypted = e.isEncrypted();
      // The data offset is only known from the local header (its extra field may
      // differ in length from the central directory's copy).
      const dataStart = encrypted ? -1 : (await zip.readLocalFileHeaderPromise(e, { minimal: true })).fileDataStart;
      out.push({
        zip: path, name: e.fileName, dataStart, compressedSize: e.compressedSize, size: e.uncompressedSize,
        method: e.compressionMethod, crc32: e.crc32, encrypted,
      });
    }
    return out;
  } catch (err) {
    throw new Error(`${path}: cannot read the zip directory: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
}

/** The entry's bytes, inflated and CRC-checked. Synchronous: meant for worker threads. */
export function readZipEntry(ref: ZipEntryRef): Buffer {
  if (ref.encrypted) throw new Error('encrypted zip entry');
  if (ref.method !== 0 && ref.method !== 8) throw new Error(`zip compression method ${ref.method} is not supported (only stored and deflate)`);
  const raw = Buffer.allocUnsafe(ref.compressedSize);
  const fd = openSync(ref.zip, 'r');
  try {
    let got = 0;
    while (got < raw.length) {
      const n = readSync(fd, raw, got, raw.length - got, ref.dataStart + got);
      if (n === 0) throw new Error(`zip entry data is cut short (${got} of ${raw.length} bytes): truncated zip`);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  let bytes: Buffer;
  try {
    bytes = ref.method === 8 ? inflateRawSync(raw, { maxOutputLength: Math.max(ref.size, 1) }) : raw;
  } catch (err) {
    throw new Error(`corrupt zip entry (deflate: ${(err as Error).message})`);
  }
  if (bytes.length !== ref.size) throw new Error(`corrupt zip entry: ${bytes.length} bytes inflated, the directory says ${ref.size}`);
  const crc = crc32(bytes);
  if (crc !== ref.crc32) throw new Error(`corrupt zip entry: CRC-32 ${hex8(crc)}, the directory says ${hex8(ref.crc32)}`);
  return bytes;
}

export const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
