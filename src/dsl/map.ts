// map(): the same flow over every item of a list computed from the input;
// optionally joining early (quorum, until, completeOn) and taking items added
// by events while it runs (addOn, closeOn).
import { DefinitionError } from "../errors.js";
import { assertEventType } from "./event-type.js";
import { assertFlow, describe, type Flow, type ItemsNode, type MapJoin } from "./flow.js";
import { assertName } from "./name.js";
import { assertInteger, assertOptionalFunction } from "./numbers.js";

export interface MapOptions<TInput, TItem, TResult, TOutput> {
  /** The items, computed from the map's input when it starts. */
  items: (input: TInput) => readonly TItem[];
  /** At most this many items run at once. @default no limit */
  maxConcurrency?: number;
  /** Turns the results (in item order) into the output: scatter-gather. @default the results array */
  combine?: (results: TResult[], input: TInput) => TOutput;
  /**
   * Joins once this many items finished (WCP-34, 35); item failures are
   * tolerated while that many can still finish. @default every item
   */
  quorum?: number;
  /** Joins once this holds of the finished results (in item order), checked after each finish (WCP-36). @default never */
  until?: (results: TResult[], input: TInput) => boolean;
  /** Joins when this event comes, with the results finished so far (WCP-27). @default none */
  completeOn?: string;
  /**
   * Whether joining early withdraws the running and queued items (their
   * AbortSignals fire) or lets them finish unheeded while `then` runs; the map
   * then ends when they all have. @default true
   */
  cancel?: boolean;
  /** Appends `event.item` (or every one of `event.items`) while the map runs (WCP-15). @default none */
  addOn?: string;
  /** After this event `addOn` adds no more items; the map joins when the items it has are done. @default none */
  closeOn?: string;
}

/** map options with `then`: a flow run at the join with the results, whose output becomes the map's. */
export interface MapThenOptions<TInput, TItem, TResult, TOutput> extends Omit<MapOptions<TInput, TItem, TResult, TResult[]>, "combine"> {
  combine?: undefined;
  then: Flow<TResult[], TOutput>;
}

/** map options with `combine` and `then`: `then` gets what `combine` made. */
export interface MapCombineThenOptions<TInput, TItem, TResult, TGathered, TOutput> extends MapOptions<TInput, TItem, TResult, TGathered> {
  combine: (results: TResult[], input: TInput) => TGathered;
  then: Flow<TGathered, TOutput>;
}

/**
 * Runs `flow` once per item, at most `maxConcurrency` at a time, and returns
 * the results in item order. Every item settles; failures are thrown together
 * as ParallelExecutionFailed, each naming its item (`[index]`). With `combine`
 * it is a scatter-gather.
 *
 * Each running item is a child actor (registered by name) of the run's
 * machine; progress lives in the run's context, so a snapshot holds it all.
 *
 * **Partial joins**: `quorum`, `until` and `completeOn` join before every item
 * settled; the output is then the finished results in item order (through
 * `combine`, then `then`). `cancel: false` lets the rest finish unheeded.
 * **Gotchas**: without `quorum`, an item failure fails the map at the join;
 * `addOn` needs a way to end (`closeOn`, `until`, `quorum` or `completeOn`).
 * With both `combine` and `then` the signature has five type parameters (the
 * value between them needs one); every one is inferred.
 * @example
 * map("ExtractSections", extractSection, { items: (doc) => doc.sections, maxConcurrency: 10 });
 * map("Quotes", askVendor, { items: (r) => r.vendors, quorum: 2, cancel: false, then: pickCheapest });
 */
export function map<TInput, TItem, TResult, TOutput>(
  name: string,
  flow: Flow<TItem, TResult>,
  options: MapThenOptions<TInput, TItem, TResult, TOutput>,
): Flow<TInput, TOutput> & ItemsNode;
export function map<TInput, TItem, TResult, TGathered, TOutput>(
  name: string,
  flow: Flow<TItem, TResult>,
  options: MapCombineThenOptions<TInput, TItem, TResult, TGathered, TOutput>,
): Flow<TInput, TOutput> & ItemsNode;
export function map<TInput, TItem, TResult, TOutput = TResult[]>(
  name: string,
  flow: Flow<TItem, TResult>,
  options: MapOptions<TInput, TItem, TResult, TOutput>,
): Flow<TInput, TOutput> & ItemsNode;
export function map(name: string, flow: Flow, options: MapOptions<any, any, any, any> & { then?: Flow }): Flow & ItemsNode {
  assertName(name, "map");
  assertFlow(flow, `the flow of map "${name}"`);
  assertItemsOptions(options, `map "${name}"`);
  const join = mapJoin(options, `map "${name}"`);
  return {
    kind: "map",
    name,
    stages: [{ flow, ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}) }],
    items: options.items,
    ...(options.combine ? { combine: options.combine } : {}),
    ...(join ? { join } : {}),
  } as Flow & ItemsNode;
}

/** Reads the partial-join and intake options of a map; undefined when none is given. */
function mapJoin(options: MapOptions<any, any, any, any> & { then?: Flow }, what: string): MapJoin | undefined {
  const { quorum, until, completeOn, cancel, then, addOn, closeOn } = options;
  if ([quorum, until, completeOn, cancel, then, addOn, closeOn].every((o) => o === undefined)) return undefined;
  if (quorum !== undefined) assertInteger(quorum, `quorum of ${what}`, 1);
  assertOptionalFunction(until, `until of ${what}`);
  if (cancel !== undefined && typeof cancel !== "boolean") throw new DefinitionError(`Expected \`cancel\` of ${what} to be true or false, got ${describe(cancel)}`);
  if (then !== undefined) assertFlow(then, `\`then\` of ${what}`);
  const events = { completeOn, addOn, closeOn };
  for (const [option, event] of Object.entries(events)) if (event !== undefined) assertEventType(event, `${what} (\`${option}\`)`);
  const given = Object.values(events).filter((e) => e !== undefined);
  if (new Set(given).size < given.length) throw new DefinitionError(`Expected \`completeOn\`, \`addOn\` and \`closeOn\` of ${what} to be different events, got ${given.join(", ")}`);
  if (closeOn !== undefined && addOn === undefined) throw new DefinitionError(`${what} has \`closeOn\` but no \`addOn\`; add addOn: "ITEM" or drop closeOn`);
  if (addOn !== undefined && closeOn === undefined && until === undefined && quorum === undefined && completeOn === undefined) {
    throw new DefinitionError(`${what} has \`addOn\` but nothing that ends its intake, so it could never join; add closeOn: "NO_MORE_ITEMS" (or until, quorum, completeOn)`);
  }
  return {
    cancel: cancel ?? true,
    ...(quorum !== undefined ? { quorum } : {}),
    ...(until ? { until } : {}),
    ...(completeOn !== undefined ? { completeOn } : {}),
    ...(then ? { then } : {}),
    ...(addOn !== undefined ? { addOn } : {}),
    ...(closeOn !== undefined ? { closeOn } : {}),
  };
}

/** Checks the options map and pipeline share. */
export function assertItemsOptions(options: { items?: unknown; maxConcurrency?: unknown; combine?: unknown } | undefined, what: string): void {
  if (typeof options !== "object" || options === null) {
    throw new DefinitionError(`Expected the options of ${what} to be { items, maxConcurrency? }, got ${describe(options)}`);
  }
  if (typeof options.items !== "function") {
    throw new DefinitionError(`Expected \`items\` of ${what} to be a function of the input that returns an array, got ${describe(options.items)}`);
  }
  if (options.maxConcurrency !== undefined) assertInteger(options.maxConcurrency, `maxConcurrency of ${what}`, 1);
  assertOptionalFunction(options.combine, `combine of ${what}`);
}
