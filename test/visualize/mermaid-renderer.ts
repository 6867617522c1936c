// Mermaid's own parser and renderer, run in Node on a jsdom document, so that
// tests catch what GitHub would refuse to draw: syntax errors (mermaid.parse)
// and renderer crashes such as mermaid-js/mermaid#4052 (mermaid.render). jsdom
// has no layout engine: text is measured at a fixed 8 px per character.
import { JSDOM } from "jsdom";

type Mermaid = typeof import("mermaid").default;

let loaded: Promise<Mermaid> | undefined;

function load(): Promise<Mermaid> {
  loaded ??= (async () => {
    const { window } = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
    const globals = globalThis as Record<string, unknown>;
    // DOMPurify (inside mermaid) looks for `window` once, when it is imported.
    for (const name of ["window", "document", "CSSStyleSheet", "Element", "SVGElement", "HTMLElement", "Node", "DOMParser", "XMLSerializer", "getComputedStyle", "MutationObserver"]) {
      globals[name] ??= name === "window" ? window : (window as unknown as Record<string, unknown>)[name];
    }
    const measure = (node: { textContent: string | null }) => 8 * (node.textContent ?? "").length;
    Object.assign(window.SVGElement.prototype, {
      getBBox(this: Element) {
        return { x: 0, y: 0, width: Math.max(measure(this), 10), height: 16 };
      },
      getComputedTextLength(this: Element) {
        return measure(this);
      },
    });
    window.Element.prototype.getBoundingClientRect = function (this: Element) {
      const width = measure(this);
      return { x: 0, y: 0, top: 0, left: 0, right: width, bottom: 16, width, height: 16, toJSON: () => ({}) };
    };
    const mermaid = (await import("mermaid")).default;
    mermaid.initialize({ startOnLoad: false });
    return mermaid;
  })();
  return loaded;
}

let renders = 0;

/** Parses and renders `text` with Mermaid; resolves with the SVG, rejects with Mermaid's error. */
export async function renderMermaid(text: string): Promise<string> {
  const mermaid = await load();
  await mermaid.parse(text);
  const { svg } = await mermaid.render(`diagram-${++renders}`, text);
  return svg;
}
