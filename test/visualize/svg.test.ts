import { JSDOM } from "jsdom";
import { describe, expect, it } from "vitest";
import { toSvg } from "../../src/index.js";
import { readChart } from "../../src/visualize/chart.js";
import { placeTransitions } from "../../src/visualize/placement.js";
import { chooseWf, everyPattern, parallelWf, retryWf, timeoutWf } from "./fixtures.js";

/** Parses SVG markup as XML; throws when it is not well-formed. */
function parseSvg(markup: string): Document {
  const doc = new new JSDOM("").window.DOMParser().parseFromString(markup, "image/svg+xml");
  const error = doc.querySelector("parsererror");
  if (error) throw new Error(`Expected well-formed SVG, got a parser error: ${error.textContent}`);
  return doc;
}

const num = (el: Element, name: string) => Number(el.getAttribute(name));

describe("toSvg draws every pattern as a well-formed SVG document", () => {
  for (const [name, wf] of Object.entries(everyPattern)) {
    it(`draws ${name} with one group per state and one per arrow`, async () => {
      const doc = parseSvg(await toSvg(wf));
      expect(doc.documentElement.tagName).toBe("svg");
      const chart = readChart(wf);
      const drawn = [...doc.querySelectorAll("g.state")].map((g) => g.getAttribute("data-path"));
      expect(drawn.sort()).toEqual([...chart.states.keys()].filter((p) => p !== "").sort());
      expect(doc.querySelectorAll("g.transition")).toHaveLength(placeTransitions(chart).length);
      for (const path of doc.querySelectorAll("g.transition path")) expect(path.getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
    });
  }
});

describe("toSvg", () => {
  it("gives the same bytes for the same workflow", async () => {
    expect(await toSvg(chooseWf)).toBe(await toSvg(chooseWf));
  });

  it("draws steps as rounded boxes inside the rounded box of their sequence, with their names", async () => {
    const doc = parseSvg(await toSvg(chooseWf));
    const box = doc.querySelector('g.state.compound[data-path="Approval"] rect')!;
    const step = doc.querySelector('g.state.state[data-path="Approval.Score"] rect')!;
    expect(Number(step.getAttribute("rx"))).toBeGreaterThan(0);
    expect(num(step, "x")).toBeGreaterThan(num(box, "x"));
    expect(num(step, "y")).toBeGreaterThan(num(box, "y"));
    expect(num(step, "x") + num(step, "width")).toBeLessThan(num(box, "x") + num(box, "width"));
    expect(doc.querySelector('g.state[data-path="Approval.Score"] text')!.textContent).toBe("Score");
  });

  it("draws the choice as a diamond, a filled dot where a box starts and a ringed dot for a final state", async () => {
    const doc = parseSvg(await toSvg(chooseWf));
    expect(doc.querySelector('g.state.choice[data-path="Approval.Route.$select"] path')!.getAttribute("d")).toMatch(/^M.* Z$/);
    expect(doc.querySelectorAll("circle.initial").length).toBeGreaterThanOrEqual(3);
    expect(doc.querySelectorAll('g.state.end[data-path="$done"] circle')).toHaveLength(2);
    expect(doc.querySelector('g.state.final[data-path="$failed"] text')!.textContent).toBe("failed");
  });

  it("labels arrows as the Mermaid diagram does", async () => {
    const texts = [...parseSvg(await toSvg(chooseWf)).querySelectorAll("g.transition text")].map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(["confidence >= 0.9", "confidence >= 0.7", "otherwise", "input is invalid", "done"]));
  });

  it("draws the regions of a parallel state as dashed boxes side by side", async () => {
    const doc = parseSvg(await toSvg(parallelWf));
    const [labs, meds] = ["Gather.$branches.labs", "Gather.$branches.meds"].map((p) => doc.querySelector(`g.state.region[data-path="${p}"] rect`)!);
    expect(labs!.getAttribute("stroke-dasharray")).toBe("6 4");
    expect(num(meds!, "x")).toBeGreaterThanOrEqual(num(labs!, "x") + num(labs!, "width"));
  });

  it("draws the durable timers' arrows: retry's loop back to $run and a timeout's with its delay", async () => {
    const retry = parseSvg(await toSvg(retryWf));
    expect([...retry.querySelectorAll("g.transition.timer text")].map((t) => t.textContent)).toEqual(["timer"]);
    const timeout = parseSvg(await toSvg(timeoutWf));
    expect([...timeout.querySelectorAll("g.transition text")].map((t) => t.textContent)).toContain("timer 2m, error");
  });
});
