/**
 * Reverse-mode differentiation as a graph-to-graph transformation. Each primitive's VJP rule
 * emits graph ops, so the result is an ordinary graph: it can be optimized, compiled,
 * interpreted, and differentiated again (Hessian-vector products).
 */
import { WasmgradError } from "../errors.js";
import { add, broadcastTo, constant, zerosLike } from "../ir/build.js";
import { topologicalOrder } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import type { Differentiator } from "../ir/op.js";
import { shapeToString } from "../ir/shape.js";
import { unbroadcast } from "./unbroadcast.js";

/**
 * Cotangents d⟨seed, y⟩ / d x for each x in `xs`. `seed` defaults to ones (so for a scalar y
 * these are the gradients). A value used several times receives the sum of its cotangents.
 * Where y does not depend on an x, its cotangent is zeros.
 */
export function vjp(y: Node, xs: readonly Node[], seed?: Node): Node[] {
  if (seed && shapeToString(seed.shape) !== shapeToString(y.shape)) {
    throw new WasmgradError(
      `seed of shape ${shapeToString(seed.shape)} does not match ${shapeToString(y.shape)}`,
    );
  }
  return vjpMany(
    [{ node: y, seed: seed ?? y.ctx.withSource(y.src, () => broadcastTo(constant(y.ctx, 1), y.shape)) }],
    xs,
  );
}

/** A value to differentiate and the cotangent it receives. */
export interface Root {
  readonly node: Node;
  readonly seed: Node;
}

/** What VJP rules may call back into (a scan's VJP differentiates its step). */
const DIFFERENTIATOR: Differentiator = { vjpMany: (roots, xs) => vjpMany(roots, xs) };

/** Cotangents d Σ⟨seed_r, y_r⟩ / d x for each x in `xs` (several roots: loop bodies). */
export function vjpMany(roots: readonly Root[], xs: readonly Node[]): Node[] {
  for (const { node: y, seed } of roots) {
    if (y.dtype !== "f32") {
      throw new WasmgradError(`cannot differentiate a ${y.dtype} value`, { op: y.op, location: y.src });
    }
    if (shapeToString(seed.shape) !== shapeToString(y.shape)) {
      throw new WasmgradError(
        `seed of shape ${shapeToString(seed.shape)} does not match ${shapeToString(y.shape)}`,
      );
    }
  }
  for (const x of xs) {
    if (x.dtype !== "f32") {
      throw new WasmgradError(`cannot differentiate with respect to a ${x.dtype} value`, {
        op: x.op,
        location: x.src,
      });
    }
  }
  const ctx = xs[0]?.ctx ?? roots[0]?.node.ctx;
  if (!ctx) return [];
  const order = topologicalOrder(roots.map((r) => r.node));

  // Only nodes that depend on some x carry cotangents worth computing.
  const targets = new Set(xs);
  const dependsOnX = new Set<Node>();
  for (const n of order) {
    if (targets.has(n) || n.inputs.some((i) => dependsOnX.has(i))) dependsOnX.add(n);
  }

  const contributions = new Map<Node, Node[]>();
  const contribute = (n: Node, ct: Node) => {
    const list = contributions.get(n);
    if (list) list.push(ct);
    else contributions.set(n, [ct]);
  };
  // Sums of cotangents, like every gradient node, are credited to the forward node's line.
  const total = (n: Node): Node | undefined =>
    ctx.withSource(n.src, () => contributions.get(n)?.reduce((a, b) => add(a, b)));

  for (const { node, seed } of roots) contribute(node, seed);

  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    if (node.def.traits.leaf || !dependsOnX.has(node)) continue;
    const ct = total(node);
    if (!ct) continue;
    const def = node.def;
    if (!def.vjp) {
      throw new WasmgradError(`op '${node.op}' is not differentiable`, { op: node.op, location: node.src });
    }
    // Gradient nodes are credited to the user's line that created the forward node.
    ctx.withSource(node.src, () => {
      const cts = def.vjp!(node, ct, DIFFERENTIATOR);
      node.inputs.forEach((input, i) => {
        const c = cts[i];
        if (c && input.dtype === "f32" && dependsOnX.has(input))
          contribute(input, unbroadcast(c, input.shape));
      });
    });
  }
  return xs.map((x) => total(x) ?? ctx.withSource(x.src, () => zerosLike(x)));
}
