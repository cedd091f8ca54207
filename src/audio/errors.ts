/**
 * A file that cannot be decoded. `message` names the problem; decodeAudioFile prefixes
 * the file name. Stages record `problem` per file (status unreadable) and go on.
 */
export class AudioDecodeError extends Error {
  constructor(readonly problem: string, readonly file?: string) {
    super(file ? `${file}: ${problem}` : problem);
    this.name = 'AudioDecodeError';
  }

  /** The same error, naming the file. */
  withFile(file: string): AudioDecodeError {
    return this.file ? this : new AudioDecodeError(this.problem, file);
  }
}
