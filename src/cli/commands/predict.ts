import type { Prediction } from '../../predict/predict.ts';
import { defineCommand, parseCommandArgs, UsageError } from '../command.ts';

export default defineCommand({
  name: 'predict',
  summary: 'predict the emotion of audio files (WAV/FLAC, any rate) with the trained models',
  usage: `ser predict <file or folder>… [--exp name] [--fold k] [--json] [--backend auto|tensorflow|wasm|cpu] [--verbose]
  Decodes, resamples and featurizes each file with the pipeline's own code and runs the
  models of the latest \`ser run\` (the train artifacts named by pipeline.lock): by default
  the ensemble of all fold models (probabilities averaged), or one fold's model with
  --fold k. --exp <name> uses the models of a recorded experiment (\`ser exp run <name>\`)
  instead of the latest \`ser run\`. A clip longer than the model's window (features.duration_s) is scored in
  windows at a hop of half a window, the last one aligned to the clip's end, and the
  windows' probabilities are averaged. Folders are searched recursively for .wav/.flac.
  Prints a table (file, top emotion, confidence, windows, every class in %), or with
  --json an object {folds, labels, results: [{file, ok, emotion, confidence,
  probabilities, windows, duration_s, sample_rate, channels} | {file, ok: false, error}]}.
  A file that cannot be read gets a one-line error on stderr and the others are still
  predicted; the exit code is 1 if any file failed.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      fold: { type: 'string' },
      exp: { type: 'string' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    });
    if (positionals.length === 0) throw new UsageError('give at least one audio file or folder');
    let fold: number | undefined;
    if (values.fold !== undefined) {
      fold = Number(values.fold);
      if (!Number.isInteger(fold) || fold < 0) throw new UsageError(`--fold must be a fold number, got '${values.fold}'`);
    }
    const backend = (values.backend ?? 'auto') as 'auto' | 'tensorflow' | 'wasm' | 'cpu';
    if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend must be auto, tensorflow, wasm or cpu, got '${values.backend}'`);

    const { findRoot } = await import('../../pipeline/config.ts');
    const p = await import('../../predict/predict.ts');
    const root = findRoot(io.cwd);
    let refs;
    try {
      refs = values.exp !== undefined
        ? await p.locateExperimentTrainArtifacts(root, values.exp)
        : await p.locateTrainArtifacts(root);
    } catch (err) {
      if (err instanceof p.PredictError) {
        io.stderr.write(`ser predict: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const { initBackend } = await import('../../model/backend.ts');
    await initBackend(backend, { log: (m) => values.verbose && io.stderr.write(`${m}\n`) });
    const { loadModel } = await import('../../model/io.ts');
    const ensemble = await p.loadEnsemble(refs, loadModel, fold);
    const inputs = await p.collectInputs(positionals, io.cwd);
    type Result = ({ file: string; ok: true } & Omit<Prediction, 'file'>) | { file: string; ok: false; error: string };
    const results: Result[] = [];
    const ok: Prediction[] = [];
    let failed = 0;
    const fail = (file: string, error: string) => {
      io.stderr.write(`ser predict: ${file}: ${error}\n`);
      results.push({ file, ok: false, error });
      failed++;
    };
    try {
      for (const input of inputs) {
        io.signal.throwIfAborted();
        if (!('file' in input)) {
          fail(input.path, input.error);
          continue;
        }
        const { file: f, display } = input;
        try {
          const r = { ...(await p.predictFile(f, ensemble)), file: display };
          ok.push(r);
          results.push({ ...r, ok: true });
        } catch (err) {
          // One line per bad file; decode errors already name the file, so drop that prefix.
          const msg = (err as Error).message.split('\n')[0];
          fail(display, msg.startsWith(`${f}: `) ? msg.slice(f.length + 2) : msg);
        }
      }
    } finally {
      p.disposeEnsemble(ensemble);
    }
    const folds = ensemble.models.map((m) => m.fold);
    if (values.json) {
      io.stdout.write(JSON.stringify({ folds, labels: ensemble.labels, results }, null, 2) + '\n');
    } else {
      if (ok.length) io.stdout.write(p.formatTable(ok, ensemble.labels) + '\n');
      io.stdout.write(`${ok.length} predicted, ${failed} failed; model: ${folds.length > 1 ? `ensemble of folds ${folds.join(', ')}` : `fold ${folds[0]}`}\n`);
    }
    return failed > 0 ? 1 : 0;
  },
});
