/**
 * The one place where gradients of broadcast operands are reduced back to the operand's shape:
 * sum over the leading axes broadcasting added and over the axes where the operand had size 1.
 */
import { reshape, sum } from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { sameShape, shapeToString, type Shape } from "../ir/shape.js";

export function unbroadcast(ct: Node, shape: Shape): Node {
  if (sameShape(ct.shape, shape)) return ct;
  const lead = ct.shape.length - shape.length;
  const ok = lead >= 0 && shape.every((d, i) => d === ct.shape[lead + i] || d === 1);
  if (!ok) {
    throw new Error(
      `internal: a cotangent of shape ${shapeToString(ct.shape)} does not broadcast from ${shapeToString(shape)} (a VJP rule is wrong)`,
    );
  }
  const axes = ct.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  const reduced = axes.length ? sum(ct, axes, false) : ct;
  return sameShape(reduced.shape, shape) ? reduced : reshape(reduced, shape);
}
