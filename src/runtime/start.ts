// run() and start(): a workflow in memory, in this process. Owns the choice of
// clock, randomness and log sink for a run and hands them to the machine.
import { randomUUID } from "node:crypto";
import { createActor, type Actor, type AnyEventObject, type InspectionEvent, type Observer } from "xstate";
import { systemClock, type Clock } from "../clock.js";
import { compile } from "../compile/compile.js";
import type { WorkflowMachine } from "../compile/machine.js";
import { consoleLog, provideServices, type LogEntry } from "../compile/services.js";
import type { BreakerRegistry } from "../compile/breaker.js";
import type { Limits } from "../compile/limiter.js";
import type { Flow } from "../dsl/flow.js";
import { asWorkflow, machineInfo } from "../compile/compile.js";
import { storeCache, type CacheStore } from "./cache.js";
import { LogicError, toStepchartError, ValidationError } from "../errors.js";
import { assertPayload, DEFAULT_MAX_PAYLOAD_BYTES } from "../compile/json-data.js";
import { outcomeOf } from "./outcome.js";
import { endRunSpan, startRunSpan } from "../compile/tracing.js";
import { CANCEL_EVENT } from "../compile/workflow.js";
import { deliver, waitingFor } from "./deliver.js";

export interface RunOptions {
  /** The run's id; it is part of every step's idempotencyKey. @default a random UUID */
  runId?: string;
  /** Where time comes from; pass XState's SimulatedClock in tests. @default the system clock */
  clock?: Clock;
  /** Receives every XState inspection event (for `@statelyai/inspect`). @default none */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Receives what steps write with `ctx.log`. @default the console */
  log?: (entry: LogEntry) => void;
  /** The circuit breakers this run uses. @default the ones every run of the process shares */
  breakers?: BreakerRegistry;
  /** The shared rate and concurrency limits this run uses. @default the ones every run of the process shares */
  limiters?: Limits;
  /** Where steps with the option `cache` keep their results (e.g. a `memoryStore()` shared by runs). @default none: they always run */
  cache?: CacheStore;
  /** The largest input and event payload taken, in bytes of JSON; larger ones are refused with a ValidationError. @default 1 MiB */
  maxPayloadBytes?: number;
}

/** A running workflow. */
export interface RunHandle<TOutput> {
  readonly runId: string;
  /** The XState actor running the compiled machine. */
  readonly actor: Actor<WorkflowMachine<any, TOutput>>;
  /**
   * Sends an event to the run (an approval, an operator's `stepchart.retry`).
   * Returns false, and logs, when nothing in the run waits for it now (the event
   * is dropped); throws a ValidationError when its payload does not fit the
   * wait's schema (the run keeps waiting).
   */
  send(event: AnyEventObject): boolean;
  /** The event types the run waits for now. */
  waitingFor(): string[];
  /** Cancels the run: its completed compensable steps are compensated, then `result` rejects with RunCancelledError. */
  cancel(): void;
  /** Resolves with the output, or rejects with WorkflowFailed. */
  readonly result: Promise<TOutput>;
  /** The persisted snapshot (plain JSON) of the run as it is now. */
  snapshot(): unknown;
}

/**
 * Starts a workflow in memory and returns at once.
 * @example
 * const handle = start(approval, doc);
 * handle.send({ type: "APPROVE", by: "dr-who" });
 * const out = await handle.result;
 */
export function start<TInput, TOutput>(flow: Flow<TInput, TOutput>, input: TInput, options: RunOptions = {}): RunHandle<TOutput> {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  assertPayload(input, `the input of "${flow.name}"`, "input_not_json", maxPayloadBytes);
  const machine = compile(flow);
  const workflowName = asWorkflow(flow).name;
  const runId = options.runId ?? randomUUID();
  const clock = options.clock ?? systemClock;
  const actor = createActor(machine, {
    input,
    id: runId,
    clock,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const runSpan = startRunSpan(workflowName, runId);
  provideServices(actor.system, {
    ...(runSpan.span.isRecording() ? { trace: runSpan.context } : {}),
    clock,
    log: options.log ?? consoleLog,
    ...(options.breakers ? { breakers: options.breakers } : {}),
    ...(options.limiters ? { limiters: options.limiters } : {}),
    ...(options.cache ? { cache: storeCache(options.cache, { workflow: workflowName, version: machineInfo(machine).version, runId, clock }) } : {}),
  });

  const result = new Promise<TOutput>((resolve, reject) => {
    actor.subscribe({
      complete: () => {
        const outcome = outcomeOf<TOutput>(actor.getSnapshot(), workflowName);
        if (outcome.status === "done") {
          endRunSpan(runSpan.span, "done");
          resolve(outcome.output);
        } else {
          endRunSpan(runSpan.span, outcome.status, outcome.error);
          reject(outcome.error);
        }
      },
      error: (err: unknown) => {
        endRunSpan(runSpan.span, "failed", { category: "logic", code: "internal_error", message: String(err) });
        reject(
          new LogicError(`Run ${runId} of workflow "${workflowName}" stopped with an internal error; this is a stepchart bug, please report it`, {
            code: "internal_error",
            cause: toStepchartError(err),
          }),
        );
      },
    });
  });
  // A caller that never awaits `result` must not crash the process on failure.
  result.catch(() => undefined);
  actor.start();

  const log = options.log ?? consoleLog;
  return {
    runId,
    actor,
    send: (event) => {
      const delivery = deliver(actor, event, maxPayloadBytes);
      if (!delivery.delivered) {
        log({
          level: "warn",
          message: `Event ${event.type} ignored: the run is not waiting for it (waiting for: ${delivery.waitingFor.join(", ") || "nothing"})`,
          runId,
          path: workflowName,
        });
      }
      return delivery.delivered;
    },
    waitingFor: () => waitingFor(actor),
    cancel: () => actor.send({ type: CANCEL_EVENT }),
    result,
    snapshot: () => actor.getPersistedSnapshot(),
  };
}

/**
 * Runs a workflow in memory to the end.
 * @example
 * const output = await run(ingestion, doc); // throws WorkflowFailed on failure
 */
export function run<TInput, TOutput>(flow: Flow<TInput, TOutput>, input: TInput, options: RunOptions = {}): Promise<TOutput> {
  return start(flow, input, options).result;
}
