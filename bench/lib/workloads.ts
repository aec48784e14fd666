/** The benchmark workloads, in report order. */

export type WorkloadId = "W1" | "W2" | "W3" | "W4-256" | "W4-512" | "W6";

export interface Workload {
  readonly id: WorkloadId;
  /** The --only group: "W4" selects both matmul sizes. */
  readonly group: "W1" | "W2" | "W3" | "W4" | "W6";
  readonly title: string;
  readonly description: string;
  /** How results are shown: time per step (ms), time per call (µs), or throughput. */
  readonly unit: "ms/step" | "µs/call" | "GFLOP/s";
  /** Floating-point operations per iteration (W4: 2·n³). */
  readonly flops?: number;
  /** Reserved slot: listed, not run yet. */
  readonly planned?: string;
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: "W1",
    group: "W1",
    title: "mlp-train",
    description:
      "batch 32, 784 → 128 ReLU → 10, softmax cross-entropy (mean), SGD lr 0.1; one step = forward + backward + update, loss read back",
    unit: "ms/step",
  },
  {
    id: "W2",
    group: "W2",
    title: "rnn-bptt",
    description:
      "Elman RNN, 32 time steps × batch 16, 64 → 128 tanh → 64 softmax at every step, cross-entropy (mean over the 32·16 outputs), full BPTT, SGD lr 0.1; one step = forward + BPTT + update, loss read back",
    unit: "ms/step",
  },
  {
    id: "W3",
    group: "W3",
    title: "mlp-infer-b1",
    description:
      "batch 1, 64 → 64 ReLU → 64 ReLU → 10 softmax; one call from JavaScript, writing the 64 inputs and reading the 10 outputs",
    unit: "µs/call",
  },
  {
    id: "W4-256",
    group: "W4",
    title: "matmul 256³",
    description: "C = A·B, 256×256 f32",
    unit: "GFLOP/s",
    flops: 2 * 256 ** 3,
  },
  {
    id: "W4-512",
    group: "W4",
    title: "matmul 512³",
    description: "C = A·B, 512×512 f32",
    unit: "GFLOP/s",
    flops: 2 * 512 ** 3,
  },
  {
    // W5 is the word2vec section (bench/word2vec/), which has a harness of its own
    id: "W6",
    group: "W6",
    title: "lenet-train",
    description:
      "LeNet-5, batch 32 × 1 × 28 × 28: conv 6@5×5 (padding 2) → relu → max pool 2 → conv 16@5×5 → relu → max pool 2 → 120 relu → 84 relu → 10, softmax cross-entropy (mean), SGD lr 0.1; one step = forward + backward + update, loss read back",
    unit: "ms/step",
  },
];

/** Formats a time per iteration (ms) in the workload's unit. */
export function inUnit(w: Workload, ms: number): number {
  switch (w.unit) {
    case "ms/step":
      return ms;
    case "µs/call":
      return ms * 1000;
    case "GFLOP/s":
      return w.flops! / (ms * 1e6);
  }
}
