// Approval routing: confidence >= 0.9 approves automatically; >= 0.7 sends the
// item for review and waits up to 24 hours for a reviewer's decision (no
// answer: it is escalated to a supervisor); anything lower is flagged for
// manual review: more information is gathered and the confidence reassessed.
import { choose, sequence, step, waitFor, workflow } from "stepchart";
import { z } from "zod";

export const Item = z.object({
  id: z.string().min(1),
  kind: z.enum(["invoice", "contract", "medical", "expense"]),
  amount: z.number().nonnegative().optional(),
  confidence: z.number().min(0).max(1),
  fields: z.record(z.string(), z.string()).default({}),
});
export type Item = z.infer<typeof Item>;

export const Decision = z.object({ approved: z.boolean(), by: z.string().min(1), note: z.string().optional() });

/** Who reviews what. */
const REVIEWERS: Record<Item["kind"], string[]> = {
  invoice: ["accounts-1", "accounts-2"],
  contract: ["legal-1"],
  medical: ["dr-grey", "dr-house"],
  expense: ["accounts-2"],
};
/** The fields each kind needs before a decision can be made without a person. */
const REQUIRED: Record<Item["kind"], string[]> = {
  invoice: ["supplier", "total", "dueDate"],
  contract: ["parties", "term"],
  medical: ["patient", "physician"],
  expense: ["employee", "receipt"],
};

export type Routed = Item & {
  decision: "approved" | "rejected" | "needs-human";
  by: string;
  reviewer?: string;
  missing?: string[];
  note?: string;
};

const reviewerFor = (item: Item) => {
  const list = REVIEWERS[item.kind];
  const hash = [...item.id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return list[hash % list.length]!;
};

const auto = sequence("auto", [
  step("AutoApprove", (item: Item) => ({ ...item, approved: true, by: "auto" })),
  step("ProcessApproval", (x: Item & { approved: boolean; by: string }): Routed => ({ ...x, decision: x.approved ? "approved" : "rejected", by: x.by })),
]);

const review = sequence("review", [
  step("SendForReview", (item: Item) => ({ ...item, reviewer: reviewerFor(item) })),
  waitFor("WaitForApproval", "DECIDE", {
    timeout: "24h",
    schema: Decision,
    onTimeout: step("EscalateToSupervisor", (x: Item & { reviewer: string }) => ({ ...x, approved: false, by: "timeout", note: `no decision from ${x.reviewer} within 24h; escalated to a supervisor` })),
  }),
  step("ProcessApproval", (x: Item & { reviewer: string; approved: boolean; by: string; note?: string }): Routed => ({
    ...x,
    decision: x.by === "timeout" ? "needs-human" : x.approved ? "approved" : "rejected",
  })),
]);

const manual = sequence("manual", [
  step("FlagForManualReview", (item: Item) => ({ ...item, missing: REQUIRED[item.kind].filter((f) => !item.fields[f]) })),
  step("GatherMoreInfo", (x: Item & { missing: string[] }) => ({
    ...x,
    // every field the item carries counts as evidence; what is missing stays missing
    evidence: Object.keys(x.fields).length,
  })),
  step("ReassessConfidence", (x: Item & { missing: string[]; evidence: number }): Routed => {
    const confidence = Math.min(1, Math.round((x.confidence + 0.1 * x.evidence - 0.15 * x.missing.length) * 100) / 100);
    const { evidence: _evidence, ...item } = x;
    return { ...item, confidence, decision: confidence >= 0.9 ? "approved" : confidence < 0.3 ? "rejected" : "needs-human", by: "reassessment" };
  }),
]);

export const approvalRouting = workflow(
  "ApprovalRouting",
  choose(
    "ApprovalRouting",
    [
      { when: (i: Item) => i.confidence >= 0.9, then: auto, label: "confidence >= 0.9" },
      { when: (i: Item) => i.confidence >= 0.7, then: review, label: "confidence >= 0.7" },
    ],
    manual,
  ),
  { input: Item, version: "1" },
);

export default approvalRouting;
