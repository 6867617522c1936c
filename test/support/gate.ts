// Steps a test can hold and release: every call is recorded with its input and
// context and stays pending until the test resolves or rejects it.
import type { StepContext } from "../../src/index.js";

export interface GateCall {
  input: unknown;
  ctx: StepContext;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class Gate {
  readonly calls: GateCall[] = [];
  readonly fn = (input: unknown, ctx: StepContext): Promise<unknown> =>
    new Promise((resolve, reject) => {
      this.calls.push({ input, ctx, resolve, reject });
    });

  get last(): GateCall {
    const call = this.calls.at(-1);
    if (!call) throw new Error("Expected the gate to have been called, got no call");
    return call;
  }
}

/** Lets pending microtasks and promise callbacks run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
