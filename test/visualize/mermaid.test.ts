import { createMachine } from "xstate";
import { describe, expect, it } from "vitest";
import { compile, sequence, step, toMermaid } from "../../src/index.js";
import { chooseWf, everyPattern, mapWf, nestedWf, parallelWf, pipelineWf, retryWf, routeWf, sequenceWf, stepOptionsWf, timeoutWf } from "./fixtures.js";
import { renderMermaid } from "./mermaid-renderer.js";

/** The lines of a diagram, trimmed, for order-insensitive assertions. */
const lines = (text: string) => text.split("\n").map((l) => l.trim());

describe("toMermaid draws every pattern as a stateDiagram-v2 that Mermaid parses and renders", () => {
  for (const [name, wf] of Object.entries(everyPattern)) {
    for (const internal of [true, false]) {
      it(`renders ${name} with internal: ${internal}`, async () => {
        const svg = await renderMermaid(toMermaid(wf, { internal }));
        expect(svg).toContain("<svg");
      });
    }
  }
});

describe("toMermaid on a sequence", () => {
  const text = toMermaid(sequenceWf);

  it("starts with the diagram type and draws the sequence as a box of its steps, named by their labels", () => {
    expect(text.startsWith("stateDiagram-v2\n")).toBe(true);
    expect(lines(text)).toContain('state "Ingest" as s_Ingest {');
    expect(lines(text)).toContain('state "Classify Document" as s_Ingest_Classify_Document');
  });

  it("enters the box at its first step and chains the steps by their done events", () => {
    expect(lines(text)).toEqual(
      expect.arrayContaining([
        "[*] --> s_Ingest_Receive",
        "s_Ingest_Receive --> s_Ingest_Classify_Document : done",
        "s_Ingest_Classify_Document --> s_Ingest_Store : done",
        "s_Ingest_Store --> [*] : done",
      ]),
    );
  });

  it("draws the failure final state and one error arrow from the sequence's box to it", () => {
    expect(lines(text)).toEqual(expect.arrayContaining(['state "failed" as s__failed', "s__failed --> [*]", "s_Ingest --> s__failed : error"]));
    expect(text.match(/--> s__failed/g)).toHaveLength(1);
  });

  it("gives the same text for the workflow, its compiled machine, and a second call", () => {
    expect(toMermaid(compile(sequenceWf))).toBe(text);
    expect(toMermaid(sequenceWf)).toBe(text);
  });

  it("draws a bare flow as the workflow of the same name", () => {
    const flow = sequence("Ingest", [step("Receive", (x: unknown) => x), step("Classify Document", (x: unknown) => x), step("Store", (x: unknown) => x)]);
    expect(toMermaid(flow)).toBe(text);
  });
});

describe("toMermaid on a choose", () => {
  const text = toMermaid(chooseWf);

  it("draws $select as a choice whose arrows carry the case labels, then otherwise", () => {
    expect(lines(text)).toEqual(
      expect.arrayContaining([
        "state s_Approval_Route__select <<choice>>",
        "s_Approval_Route__select --> s_Approval_Route_AutoApprove : confidence >= 0.9",
        "s_Approval_Route__select --> s_Approval_Route_Review : confidence >= 0.7",
        "s_Approval_Route__select --> s_Approval_Route_ManualReview : otherwise",
      ]),
    );
  });

  it("draws the input check with its description and the failures of the block on one arrow", () => {
    expect(lines(text)).toEqual(
      expect.arrayContaining(['state "check input" as s__start', "s__start --> s__failed : input is invalid", "s_Approval --> s__failed : error, a case threw"]),
    );
  });

  it("with internal: false leaves the choice and the input check out and joins the arrows through them", () => {
    const brief = toMermaid(chooseWf, { internal: false });
    expect(brief).not.toContain("<<choice>>");
    expect(brief).not.toContain("check input");
    expect(lines(brief)).toEqual(
      expect.arrayContaining(["[*] --> s_Approval_Route_AutoApprove : confidence >= 0.9", "[*] --> s__failed : input is invalid", "[*] --> s_Approval"]),
    );
  });
});

describe("toMermaid on a route", () => {
  it("labels the chooser's arrows with the route names and the unknown answer", () => {
    expect(lines(toMermaid(routeWf))).toEqual(
      expect.arrayContaining([
        'state "choose route" as s_Triage__choose',
        "s_Triage__choose --> s_Triage_billing : billing",
        "s_Triage__choose --> s_Triage_support : support",
        "s_Triage --> s__failed : unknown route, error",
      ]),
    );
  });
});

describe("toMermaid on a parallel", () => {
  const text = toMermaid(parallelWf);

  it("draws the regions as concurrent sections separated by --, each entered by an arrow named after its branch", () => {
    const body = text.slice(text.indexOf('state "branches"'));
    const labs = body.indexOf("[*] --> s_Gather__branches_labs__wait : labs");
    const separator = body.indexOf("\n            --\n");
    const meds = body.indexOf("[*] --> s_Gather__branches_meds__wait : meds");
    expect(labs).toBeGreaterThan(0);
    expect(separator).toBeGreaterThan(labs);
    expect(meds).toBeGreaterThan(separator);
  });

  it("draws $fork and $join as bars and the slot guard by its name", () => {
    expect(lines(text)).toEqual(
      expect.arrayContaining([
        "state s_Gather__fork <<fork>>",
        "state s_Gather__join <<join>>",
        "s_Gather__fork --> s_Gather__branches",
        "s_Gather__branches --> s_Gather__join",
        "s_Gather__join --> [*]",
        "s_Gather__branches_meds__wait --> s_Gather__branches_meds__run : a slot is free (#60; 1 running)",
      ]),
    );
  });

  it("points an arrow into a box inside a region at the box's first state (mermaid-js/mermaid#4052)", () => {
    expect(lines(text)).toContain("s_Gather__branches_labs__wait --> s_Gather__branches_labs__run_FetchLabs : a slot is free (#60; 1 running)");
    expect(lines(toMermaid(nestedWf))).toContain("s_Nested__branches_left__run_Prepare --> s_Nested__branches_left__run_Pick__select : done");
  });

  it("labels a branch's flow box after its branch", () => {
    expect(lines(text)).toContain('state "labs" as s_Gather__branches_labs__run {');
  });
});

describe("toMermaid on retry and timeout", () => {
  it("draws retry's loop: error to the check, retryable to the backoff, the timer back to $run (labelled by the step's name)", () => {
    expect(lines(toMermaid(retryWf))).toEqual(
      expect.arrayContaining([
        'state "FetchLabs" as s_FetchLabs__run',
        "s_FetchLabs__run --> s_FetchLabs__check : error",
        "s_FetchLabs__check --> s_FetchLabs__backoff : retryable, up to 2 retries",
        "s_FetchLabs__backoff --> s_FetchLabs__run : timer",
        "s_FetchLabs --> s__failed : not retryable, or retries exhausted",
      ]),
    );
  });

  it("labels the timer's arrow with its delay when the config says it", () => {
    // The compiled retry computes each backoff at run time; a machine whose
    // timer state declares its delay (meta.stepchart.delayMs) shows it.
    const machine = createMachine({
      id: "M",
      initial: "run",
      states: {
        run: { on: { FAIL: "backoff" } },
        backoff: { invoke: { src: "stepchart.timer", onDone: "run" }, meta: { stepchart: { timer: "M.run", delayMs: 1500 } } },
      },
    });
    expect(lines(toMermaid(machine))).toContain("s_backoff --> s_run : timer 1.5s");
  });

  it("labels a timeout's arrow with its delay, read from the state's entry params", () => {
    expect(lines(toMermaid(timeoutWf))).toContain("s_Bounded --> s__failed : timer 2m, error");
    expect(lines(toMermaid(stepOptionsWf))).toContain("s_Charge__run --> s_Charge__check : timer 30s, error");
  });
});

describe("toMermaid on map and pipeline", () => {
  it("names the running state after the stages and their limits (≤ n: at most n items at once)", () => {
    expect(lines(toMermaid(mapWf))).toEqual(
      expect.arrayContaining([
        'state "each item: ExtractSection ≤ 3" as s_Sections__running',
        "s_Sections__running --> s_Sections__join : every item settled",
        "s_Sections --> s__failed : items could not be computed, an item<br/>failed",
      ]),
    );
    expect(lines(toMermaid(pipelineWf))).toContain('state "each item: Parse → Lookup ≤ 2" as s_Enrich__running');
  });
});

describe("toMermaid on any XState machine", () => {
  it("resolves #id targets, explicit ids, child and sibling targets, and draws after and plain events", async () => {
    const machine = createMachine({
      id: "Root",
      initial: "a",
      states: {
        a: {
          initial: "x",
          states: { x: { on: { GO: "#Root.b.deep" } }, y: { id: "why", after: { 500: "x" } } },
          on: { RESET: ".y" },
        },
        b: { initial: "deep", states: { deep: { always: { target: "#why", guard: "ready" } } } },
      },
    });
    const text = toMermaid(machine);
    expect(lines(text)).toEqual(
      expect.arrayContaining(["s_a --> s_b : GO", "s_y --> s_x : after 500ms".replace("s_y", "s_a_y").replace("s_x", "s_a_x"), "[*] --> s_a_y : RESET", "s_b --> s_a : ready"]),
    );
    await renderMermaid(text);
  });

  it("gives states whose names sanitize alike their own ids", () => {
    const machine = createMachine({ id: "M", initial: "a b", states: { "a b": { on: { NEXT: "a_b" } }, a_b: {} } });
    expect(lines(toMermaid(machine))).toEqual(expect.arrayContaining(['state "a b" as s_a_b', 'state "a_b" as s_a_b_2', "s_a_b --> s_a_b_2 : NEXT"]));
  });

  it("writes characters Mermaid would misread as entity codes, and Mermaid shows them as written", async () => {
    const machine = createMachine({ id: "M", initial: 'say "hi"; #1 <b>', states: { 'say "hi"; #1 <b>': { on: { "a;b": "end" } }, end: { type: "final" } } });
    const text = toMermaid(machine);
    expect(text).toContain('state "say #34;hi#34;#59; #35;1 #60;b>" as');
    const svg = await renderMermaid(text);
    expect(svg).toContain("say \"hi\"; #1 &lt;b&gt;");
  });

  it("refuses something that is neither a flow nor a machine, saying what it got", () => {
    expect(() => toMermaid(42 as never)).toThrow("Expected a workflow, a flow or a compiled machine (an object with a `config`) to draw, got number 42");
  });
});
