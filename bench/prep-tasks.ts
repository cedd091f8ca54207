// Worker tasks for bench/prep.ts (not used by the pipeline).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeFlacPcm } from '../src/audio/flac.ts';
import { encodeWav } from '../src/audio/wav-write.ts';

/** FLAC file → WAV file with the same PCM (the benchmark's WAV copy of a FLAC corpus). */
export async function flacToWav(arg: { src: string; dest: string }): Promise<void> {
  const pcm = await decodeFlacPcm(await readFile(arg.src));
  await mkdir(dirname(arg.dest), { recursive: true });
  const tmp = `${arg.dest}.tmp`;
  await writeFile(tmp, encodeWav(pcm.sampleRate, pcm.channels, pcm.bits, pcm.data));
  await rename(tmp, arg.dest);
}
