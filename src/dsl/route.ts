// route(): a function (or an LLM) names the route to take.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type Flow, type FlowNode, type OutputOf, type RouteChooser, type RouteNode } from "./flow.js";
import { assertName } from "./name.js";

export interface RouteOptions<TInput, TRoutes extends Record<string, Flow>> {
  /** The flows by route name. */
  routes: TRoutes;
  /** Names the route; sync or async (see `llmRouter`). Its decision is recorded and never asked again after a restore. */
  choose: RouteChooser<TInput>;
  /** The route taken when `choose` names an unknown route. @default none: an unknown name fails with InvalidRouteError */
  fallback?: keyof TRoutes & string;
}

/**
 * Dynamic routing: `choose` returns a route name and that route's flow runs.
 * @example
 * route("Triage", { routes: { billing, support }, choose: (t) => t.kind, fallback: "support" });
 */
export function route<TInput, TRoutes extends Record<string, Flow>>(
  name: string,
  options: RouteOptions<TInput, TRoutes>,
): Flow<TInput, OutputOf<TRoutes[keyof TRoutes]>> & RouteNode {
  assertName(name, "route");
  if (typeof options !== "object" || options === null) {
    throw new DefinitionError(`Expected the options of route "${name}" to be { routes, choose }, got ${describe(options)}`);
  }
  const { routes, choose, fallback } = options;
  if (typeof routes !== "object" || routes === null || Array.isArray(routes) || Object.keys(routes).length === 0) {
    throw new DefinitionError(`Expected route "${name}" to have at least one route in \`routes\`, got ${describe(routes)}`);
  }
  for (const [key, flow] of Object.entries(routes)) {
    assertName(key, `route of "${name}"`);
    assertFlow(flow, `route "${key}" of route "${name}"`);
  }
  if (typeof choose !== "function") {
    throw new DefinitionError(`Expected \`choose\` of route "${name}" to be a function (or llmRouter(...)), got ${describe(choose)}`);
  }
  if (fallback !== undefined && !Object.hasOwn(routes, fallback)) {
    throw new DefinitionError(
      `Expected \`fallback\` of route "${name}" to be one of ${Object.keys(routes).map((k) => `"${k}"`).join(", ")}, got ${describe(fallback)}`,
    );
  }
  return {
    kind: "route",
    name,
    routes: { ...routes } as Record<string, FlowNode>,
    choose,
    ...(fallback !== undefined ? { fallback } : {}),
  } as Flow<TInput, OutputOf<TRoutes[keyof TRoutes]>> & RouteNode;
}
