// The README's "Testing every path" example, as written there: the test fails
// when the README's code or its stated results drift from what the code does.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { saga, step, workflow } from "../../src/index.js";
import { check, paths, simulate, testEveryPath } from "../../src/testing/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const example = readme.slice(readme.indexOf("## Testing every path"), readme.indexOf("## Diagrams"));

const reserveFlight = async (trip: { id: string }) => ({ ...trip, flight: "LH-123" });
const reserveHotel = async (trip: { id: string }) => ({ ...trip, hotel: "H-9" });
const chargeCard = async (trip: { id: string }) => ({ ...trip, charged: true });
const cancelHotel = async () => undefined;
const cancelFlight = async () => undefined;

const booking = workflow("Booking", saga("Booking", [
  step("ReserveFlight", reserveFlight),
  step("ReserveHotel", reserveHotel, { compensate: cancelHotel }),
  step("ChargeCard", chargeCard, { retry: { maxRetries: 2 }, compensate: cancelFlight }), // belongs to ReserveFlight
]));

describe("the README's testing example", () => {
  it("shows the workflow this test runs", () => {
    for (const line of [
      'const booking = workflow("Booking", saga("Booking", [',
      '  step("ReserveFlight", reserveFlight),',
      '  step("ReserveHotel", reserveHotel, { compensate: cancelHotel }),',
      '  step("ChargeCard", chargeCard, { retry: { maxRetries: 2 }, compensate: cancelFlight }), // belongs to ReserveFlight',
    ]) {
      expect(example).toContain(line);
    }
  });

  it("has 17 paths, one of which fails at the hotel", () => {
    const list = paths(booking);
    expect(list).toHaveLength(17);
    expect(example).toContain("paths(booking).length; // 17");
    expect(list.map((p) => p.description)).toContain("Booking.ReserveFlight done → Booking.ReserveHotel fails (logic) → fails at Booking.ReserveHotel (logic)");
  });

  it("simulates a card charge that fails once, retried after 1s", async () => {
    const sim = await simulate(booking, { id: "b-1" }, { outcomes: { ChargeCard: "transient-then-ok" } });
    expect(sim.steps).toEqual(["Booking.ReserveFlight (attempt 1): ok", "Booking.ReserveHotel (attempt 1): ok", "Booking.ChargeCard (attempt 1): failed (transient)", "Booking.ChargeCard (attempt 2): ok"]);
    expect(sim.delays).toEqual([1000]);
    expect(example).toContain(`sim.steps;  // ${JSON.stringify(sim.steps).replaceAll(",", ", ")}`);
  });

  it("reports the misplaced compensation first and the path that leaves the flight reserved last", async () => {
    const report = await check(booking, { compensable: ["ReserveFlight"] });
    expect(report.violations[0]!.message).toMatch(/^The compensation of "Booking.ChargeCard" never runs on any path: .* Is it attached to the right step\?$/);
    expect(report.violations.at(-1)).toMatchObject({
      invariant: "saga-compensates",
      path: "Booking.ReserveFlight done → Booking.ReserveHotel fails (logic) → fails at Booking.ReserveHotel (logic)",
      message: '"Booking.ReserveFlight" completed before "Booking.ReserveHotel" failed (logic), which its saga compensates, but it is never compensated',
    });
  });

  describe("testEveryPath on the fixed booking", () => {
    const fixed = workflow("Booking", saga("Booking", [
      step("ReserveFlight", reserveFlight, { compensate: cancelFlight }),
      step("ReserveHotel", reserveHotel, { compensate: cancelHotel }),
      step("ChargeCard", chargeCard, { retry: { maxRetries: 2 } }),
    ]));
    const cases = testEveryPath(fixed, it, { compensable: ["ReserveFlight"] });
    it("declared one case per path", () => expect(cases.count).toBe(paths(fixed).length));
  });
});
