// The qualified names of the store's tables in its schema, built once.
import { identifier } from "./connection.js";

export interface Tables {
  schema: string;
  runs: string;
  snapshots: string;
  journal: string;
  signals: string;
  schedules: string;
  stepCache: string;
  workers: string;
  limitBuckets: string;
  limitHolders: string;
}

export function tablesIn(schema: string): Tables {
  const s = identifier(schema);
  return {
    schema,
    runs: `${s}.runs`,
    snapshots: `${s}.snapshots`,
    journal: `${s}.journal`,
    signals: `${s}.signals`,
    schedules: `${s}.schedules`,
    stepCache: `${s}.step_cache`,
    workers: `${s}.workers`,
    limitBuckets: `${s}.limit_buckets`,
    limitHolders: `${s}.limit_holders`,
  };
}
