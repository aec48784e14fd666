/**
 * The browser demo's sizes, shared by the model file (read at build time by the bundler plugin)
 * and the page and worker (bundled for the browser), so that neither side imports the other.
 */

/** Points per spiral arm (600 training points in all). */
export const PER_ARM = 200;
/** Minibatch size of a training step: 12 steps per epoch. */
export const BATCH = 50;
/** The decision-region picture is GRID × GRID cells, classified by one forward call. */
export const GRID = 48;
/** [xMin, xMax, yMin, yMax] of the picture. */
export const EXTENT = [-1.15, 1.15, -1.15, 1.15] as const;
/** Adam's learning rate. */
export const LEARNING_RATE = 0.01;
/** Training steps between two updates of the page (the loss curve and the regions). */
export const STEPS_PER_UPDATE = 60;
