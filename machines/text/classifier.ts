// A multinomial naive Bayes text classifier trained on labelled samples
// (https://nlp.stanford.edu/IR-book/html/htmledition/naive-bayes-text-classification-1.html).
// Confidence is the posterior probability of the best label.

export interface Labelled {
  label: string;
  text: string;
}

export interface Classification {
  label: string;
  confidence: number;
}

const STOPWORDS = new Set("the and for with from this that shall are was were you your our has have had not any all can will into per".split(" "));

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]{3,}/g) ?? []).filter((w) => !STOPWORDS.has(w));
}

export class NaiveBayes {
  readonly #docs = new Map<string, number>();
  readonly #words = new Map<string, Map<string, number>>();
  readonly #totals = new Map<string, number>();
  readonly #vocabulary = new Set<string>();
  #total = 0;

  constructor(samples: readonly Labelled[]) {
    for (const { label, text } of samples) {
      this.#total++;
      this.#docs.set(label, (this.#docs.get(label) ?? 0) + 1);
      const counts = this.#words.get(label) ?? new Map<string, number>();
      this.#words.set(label, counts);
      for (const word of tokenize(text)) {
        this.#vocabulary.add(word);
        counts.set(word, (counts.get(word) ?? 0) + 1);
        this.#totals.set(label, (this.#totals.get(label) ?? 0) + 1);
      }
    }
  }

  classify(text: string): Classification {
    const words = tokenize(text).filter((w) => this.#vocabulary.has(w));
    const scores = [...this.#docs.keys()].map((label) => {
      const counts = this.#words.get(label)!;
      const denominator = this.#totals.get(label)! + this.#vocabulary.size;
      let score = Math.log(this.#docs.get(label)! / this.#total);
      for (const word of words) score += Math.log(((counts.get(word) ?? 0) + 1) / denominator);
      return { label, score };
    });
    const best = Math.max(...scores.map((s) => s.score));
    const norm = scores.reduce((sum, s) => sum + Math.exp(s.score - best), 0);
    const top = scores.find((s) => s.score === best)!;
    // With no known words every label is equally likely: say so rather than guess.
    return { label: top.label, confidence: words.length === 0 ? 0 : 1 / norm };
  }
}
