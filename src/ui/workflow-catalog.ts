// The workflows the run viewer knows (the same ones its engine runs): finds
// the definition a stored run was started with (by its definition hash), or
// the newest registered version of its workflow, and draws each definition
// once (toSvg is deterministic, so a drawing is cached for the process).
import { compile } from "../compile/compile.js";
import type { CompiledMachine } from "../compile/machine.js";
import type { Flow } from "../dsl/flow.js";
import { definitionHash } from "../engine/version.js";
import { toSvg } from "../visualize/svg.js";

export interface Definition {
  name: string;
  version: string;
  hash: string;
  machine: CompiledMachine;
}

export interface DefinitionMatch {
  definition: Definition;
  /** The run was started with exactly this definition (same hash). */
  exact: boolean;
}

export class WorkflowCatalog {
  readonly #byHash = new Map<string, Definition>();
  readonly #latest = new Map<string, Definition>();
  readonly #drawings = new Map<string, Promise<string>>();

  constructor(flows: readonly Flow[]) {
    for (const flow of flows) {
      const machine = compile(flow) as unknown as CompiledMachine;
      const definition: Definition = { name: machine.info.workflow, version: machine.info.version, hash: definitionHash(machine), machine };
      this.#byHash.set(definition.hash, definition);
      this.#latest.set(definition.name, definition); // new runs use the last one registered, as in the engine
    }
  }

  /** The definition of a run: the one it started with, else the newest of its workflow. */
  forRun(run: { workflow: string; hash: string }): DefinitionMatch | undefined {
    const same = this.#byHash.get(run.hash);
    if (same && same.name === run.workflow) return { definition: same, exact: true };
    const latest = this.#latest.get(run.workflow);
    return latest ? { definition: latest, exact: false } : undefined;
  }

  /** The SVG picture of a definition (laid out once). */
  diagram(definition: Definition): Promise<string> {
    let drawing = this.#drawings.get(definition.hash);
    if (!drawing) {
      drawing = toSvg(definition.machine);
      drawing.catch(() => this.#drawings.delete(definition.hash));
      this.#drawings.set(definition.hash, drawing);
    }
    return drawing;
  }
}
