// The README's example diagram (section "Diagrams") is toMermaid's output for
// the approval workflow of "The compiled shape of one workflow".
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { choose, sequence, step, toMermaid, workflow } from "../../src/index.js";
import { renderMermaid } from "./mermaid-renderer.js";

const score = step("Score", (d: { amount: number }) => ({ ...d, confidence: d.amount < 100 ? 0.95 : 0.5 }));
const autoApprove = step("AutoApprove", (d: object) => ({ ...d, approved: true }));
const manualReview = step("ManualReview", (d: object) => ({ ...d, approved: false }));
const approval = workflow(
  "Approval",
  sequence("Approval", [
    score,
    choose("Route", [{ when: (d: { confidence: number }) => d.confidence >= 0.9, then: autoApprove, label: "confidence >= 0.9" }], manualReview),
  ]),
);

describe("the README's Diagrams section", () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /## Diagrams[\s\S]*?```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];

  it("shows what toMermaid draws for the approval workflow, and Mermaid renders it", async () => {
    expect(block, "README.md has no ```mermaid block under ## Diagrams").toBeDefined();
    expect(block).toBe(toMermaid(approval));
    await renderMermaid(block!);
  });
});
