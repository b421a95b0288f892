/**
 * Deviations tagged by the component of the experiment they touch (README.md, "Relative claims").
 *
 * A deviation is stored as one string, `[component] text`, in the manifest and every result row, so that a
 * relative claim ("A beats B") can tell a deviation both of its sides share (the same substituted target
 * embeddings, the same reduced budget) from one only one side has (the source data's embeddings, which a
 * transfer model uses and its no-transfer baseline does not). Runs written before the tags existed hold plain
 * strings; {@link parseDeviation} reads those as component `unspecified`, which every cell is taken to use.
 *
 * @module
 */

/**
 * The components a deviation can touch. `target …` and `source …` are the two sides of a transfer experiment
 * (a no-transfer cell uses no source component); `budget` is how long a model trains, `evaluation` how and how
 * often it is evaluated and selected, `pre-training` a stage's output (a language model) cells share, `backend`
 * the numerics a run was computed with (a resume on another backend or BLAS core type).
 */
export const DEVIATION_COMPONENTS = [
  "target data",
  "source data",
  "target embeddings",
  "source embeddings",
  "model",
  "budget",
  "evaluation",
  "scorer",
  "seeds",
  "pre-training",
  "backend",
  "unspecified",
] as const;

/** One of {@link DEVIATION_COMPONENTS}. */
export type DeviationComponent = (typeof DEVIATION_COMPONENTS)[number];

/** The components a cell uses when its suite does not say: every one but the source side's. */
export const TARGET_ONLY_COMPONENTS: readonly DeviationComponent[] = DEVIATION_COMPONENTS.filter((c) =>
  !c.startsWith("source ")
);

const TAG = /^\[([^\]]+)\] ([\s\S]*)$/;

/**
 * A deviation string tagged with its component: `[component] text`.
 *
 * @throws {RangeError} for a component not in {@link DEVIATION_COMPONENTS}.
 */
export function deviation(component: DeviationComponent, text: string): string {
  if (!(DEVIATION_COMPONENTS as readonly string[]).includes(component)) {
    throw new RangeError(
      `Unknown deviation component "${component}", expected one of ${DEVIATION_COMPONENTS.join(", ")}`,
    );
  }
  return `[${component}] ${text}`;
}

/**
 * Reads a deviation string: `[component] text`, or an untagged string (written before the tags existed) as
 * component `unspecified`. A bracketed prefix that is not a known component is part of the text.
 */
export function parseDeviation(s: string): { component: DeviationComponent; text: string } {
  const m = TAG.exec(s);
  if (m && (DEVIATION_COMPONENTS as readonly string[]).includes(m[1])) {
    return { component: m[1] as DeviationComponent, text: m[2] };
  }
  return { component: "unspecified", text: s };
}

/** True when the string carries a known component tag. */
export function isTagged(s: string): boolean {
  const m = TAG.exec(s);
  return m !== null && (DEVIATION_COMPONENTS as readonly string[]).includes(m[1]);
}

/**
 * Tags the untagged deviations of an older run by their text, from the tagged deviations the current suite
 * plans for the same run (`known`): a string already tagged, or one whose text the suite no longer declares,
 * is returned as is (the latter then reads as `unspecified`).
 */
export function retag(deviations: readonly string[], known: Iterable<string>): string[] {
  const byText = new Map<string, string>();
  for (const k of known) if (isTagged(k)) byText.set(parseDeviation(k).text, k);
  return deviations.map((d) => (isTagged(d) ? d : byText.get(d) ?? d));
}

/** One side of a relative claim: the deviations of its rows and the components its cells use. */
export interface ComparisonSide {
  deviations: readonly string[];
  /** Components the side's cells use; `unspecified` is always taken as used. */
  components: ReadonlySet<string>;
}

/**
 * How two sides of a relative claim stand to each other's deviations.
 *
 * Each deviation of either side touches one component. When both sides use that component, the deviation is
 * shared if both have it, and otherwise makes the sides `differ` (the claim is not comparable). When only one
 * side uses the component, the deviation is `asymmetric`: it can move that side alone, so it is shown beside a
 * computed verdict. A deviation of a component neither side uses is ignored.
 *
 * @returns The deviations, by text, that make the sides differ and those that are asymmetric.
 */
export function compareSides(
  a: ComparisonSide,
  b: ComparisonSide,
): { differ: string[]; asymmetric: string[] } {
  const uses = (s: ComparisonSide, c: string) => c === "unspecified" || s.components.has(c);
  const inA = new Set(a.deviations);
  const inB = new Set(b.deviations);
  const differ: string[] = [];
  const asymmetric: string[] = [];
  for (const d of new Set([...a.deviations, ...b.deviations])) {
    const { component } = parseDeviation(d);
    const ua = uses(a, component);
    const ub = uses(b, component);
    if (ua && ub) {
      if (!(inA.has(d) && inB.has(d))) differ.push(d);
    } else if ((ua && inA.has(d)) || (ub && inB.has(d))) {
      asymmetric.push(d);
    }
  }
  return { differ, asymmetric };
}
