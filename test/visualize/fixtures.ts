// One small workflow per pattern, drawn by the Mermaid and SVG tests alike.
import { z } from "zod";
import { choose, map, parallel, pipeline, retry, route, sequence, step, timeout, workflow } from "../../src/index.js";

const pass = (name: string) => step(name, (x: unknown) => x);

export const sequenceWf = workflow("Ingest", sequence("Ingest", [pass("Receive"), pass("Classify Document"), pass("Store")]));

export const chooseWf = workflow(
  "Approval",
  sequence("Approval", [
    pass("Score"),
    choose(
      "Route",
      [
        { when: (d: { confidence: number }) => d.confidence >= 0.9, then: pass("AutoApprove"), label: "confidence >= 0.9" },
        { when: (d: { confidence: number }) => d.confidence >= 0.7, then: pass("Review"), label: "confidence >= 0.7" },
      ],
      pass("ManualReview"),
    ),
  ]),
  { input: z.object({ confidence: z.number() }) },
);

export const routeWf = workflow("Triage", route("Triage", { routes: { billing: pass("Billing"), support: pass("Support") }, choose: () => "billing" }));

export const parallelWf = workflow(
  "Gather",
  parallel("Gather", { labs: sequence("labs", [pass("FetchLabs"), pass("NormalizeLabs")]), meds: pass("FetchMeds") }, { maxConcurrency: 1 }),
);

export const retryWf = workflow("Fetch", retry(pass("FetchLabs"), { maxRetries: 2, initialDelay: "500ms" }));

export const timeoutWf = workflow("Bounded", timeout(sequence("Bounded", [pass("First"), pass("Second")]), "2m"));

export const stepOptionsWf = workflow("Charge", step("Charge", (x: unknown) => x, { retry: { maxRetries: 1 }, timeout: "30s" }));

export const mapWf = workflow("Sections", map("Sections", pass("ExtractSection"), { items: (d: { sections: unknown[] }) => d.sections, maxConcurrency: 3 }));

export const pipelineWf = workflow("Enrich", pipeline("Enrich", [pass("Parse"), { flow: pass("Lookup"), maxConcurrency: 2 }], { items: (x: { records: unknown[] }) => x.records }));

/** A parallel branch holding a choose: a box two levels below a concurrent region (mermaid-js/mermaid#4052). */
export const nestedWf = workflow(
  "Nested",
  parallel("Nested", {
    left: sequence("left", [pass("Prepare"), choose("Pick", [{ when: () => true, then: pass("Yes"), label: "always" }], pass("No"))]),
    right: retry(pass("Call"), { maxRetries: 1 }),
  }, { failFast: true }),
);

export const everyPattern = { sequenceWf, chooseWf, routeWf, parallelWf, retryWf, timeoutWf, stepOptionsWf, mapWf, pipelineWf, nestedWf };
