/**
 * compiler/plan: scheduling and static memory planning of an entry point's intermediates in one
 * arena (see plan.ts for the pipeline).
 */
export { analyzeEntry, sameLayout, type EntryGraph, type PlanResult, type KernelFacts } from "./entry.js";
export { assignSlots, shareInPlace, type SlotAssignment } from "./inplace.js";
export { liveProfile, overlap, valueIntervals, type Interval } from "./liveness.js";
export { bufferBytes, conflicts, lowerBound, naiveSize, pack, type Item, type Packing } from "./pack.js";
export { planEntry, type EntryPlan, type PlannedBuffer } from "./plan.js";
export {
  describePlan,
  planNumbers,
  planToSvg,
  summaryLine,
  type NamedPlan,
  type PlanNumbers,
} from "./report.js";
export {
  isValidSchedule,
  listSchedule,
  STRATEGIES,
  type ScheduleProblem,
  type Strategy,
} from "./schedule.js";
