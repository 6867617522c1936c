// Error categories as the projection sees them: which categories behave
// alike under the handlers around a step (retry policies, saga rules,
// escalation), so that a path fails a step once per distinct behaviour, not
// once per category. Policies are user functions of an error, so they are
// asked about one sample error of each category.
import {
  DependencyError,
  LogicError,
  ResourceError,
  TransientError,
  ValidationError,
  type ErrorCategory,
  type StepchartError,
} from "../errors.js";

/** Every category, in the order paths name them. */
export const CATEGORIES: readonly ErrorCategory[] = ["transient", "resource", "dependency", "validation", "logic"];

/** A plain error of `category` with `message`, as a scripted step throws it. */
export function errorOf(category: ErrorCategory, message: string): StepchartError {
  switch (category) {
    case "transient":
      return new TransientError(message);
    case "resource":
      return new ResourceError(message);
    case "dependency":
      return new DependencyError(message);
    case "validation":
      return new ValidationError(message);
    case "logic":
      return new LogicError(message);
  }
}

const samples = new Map(CATEGORIES.map((c) => [c, errorOf(c, `simulated ${c} failure`)]));

/** Asks a policy about the sample error of `category`; a policy that throws counts as `fallback`. */
export function decides(policy: (error: StepchartError) => boolean, category: ErrorCategory, fallback: boolean): boolean {
  try {
    return policy(samples.get(category)!) === true;
  } catch {
    return fallback;
  }
}

/**
 * One representative category per behaviour: `policies` are the handlers
 * around a step, each a function of the category; categories on which they
 * all agree form one group, represented by its first category.
 */
export function representatives(policies: readonly ((category: ErrorCategory) => boolean)[]): ErrorCategory[] {
  const seen = new Set<string>();
  const out: ErrorCategory[] = [];
  for (const category of CATEGORIES) {
    const signature = policies.map((p) => (p(category) ? "1" : "0")).join("");
    if (seen.has(signature)) continue;
    seen.add(signature);
    out.push(category);
  }
  return out;
}
