// What the report is built from: plain typed values, so the page can be rendered from a
// pipeline run (stages/report.ts gathers them from upstream artifacts) or from test
// fixtures, with no file access in the renderer.
import type { MetricsFile } from '../metrics/schema.ts';

/** One row of a fold's history.parquet. */
export interface HistoryRow {
  epoch: number;
  train_loss: number;
  train_acc: number;
  /** null when the fold had no validation set. */
  val_loss: number | null;
  val_acc: number | null;
  lr: number;
  seconds: number;
}

/** The part of a train instance's meta.json the report shows. */
export interface TrainSummary {
  fold: number;
  backend: string;
  threads?: number;
  epochs_run: number;
  best_epoch: number;
  best_val_acc: number | null;
  seconds: number;
  seconds_per_epoch: number;
  n_train: number;
  n_val: number;
}

/** An input clip that was not used as-is. */
export interface InputIssue {
  id: string;
  source: string;
  /** modified | rejected | unreadable, or ok for a clip used but flagged (e.g. silent). */
  status: string;
  reason: string;
  /** Comma-separated ingest flags, e.g. "silent" ('' when none). */
  flags?: string;
}

export interface DatasetSummary {
  /** Where the clips came from (dataset.path or the source recorded by ingest). */
  path: string | null;
  clips: number;
  /** Clip count per manifest status: ok, modified, rejected, unreadable. */
  by_status: Record<string, number>;
  /** One sentence on checksum verification (e.g. "1440 of 1440 clips match MANIFEST.tsv"). */
  verification: string;
  issues: InputIssue[];
  /** Official clip ids absent from the dataset (from ingest's rejected.json). */
  missing?: string[];
}

export interface ArtifactRef {
  stage: string;
  /** e.g. "fold=2", '' for a plain stage. */
  instance: string;
  key: string;
}

export interface StageDuration {
  stage: string;
  instance: string;
  seconds: number;
}

export interface ReportInput {
  title: string;
  metrics: MetricsFile;
  histories: { fold: number; rows: HistoryRow[] }[];
  training: TrainSummary[];
  dataset: DatasetSummary;
  run: {
    /** Split protocol name, e.g. "speaker-kfold" or "random" (null when unknown). */
    protocol: string | null;
    /** Parameter sections as recorded by the stages (dotted keys are flattened for display). */
    params: Record<string, unknown>;
    backend: string | null;
    artifacts: ArtifactRef[];
    durations: StageDuration[];
  };
}
