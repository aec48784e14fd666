// vitest's global setup: removes the run's compile cache directory (vitest.config.ts) at the end.
import { rmSync } from "node:fs";

export default function setup(): () => void {
  const dir = process.env.WASMGRAD_CACHE_DIR;
  return () => {
    if (dir !== undefined && dir.includes("wasmgrad-test-cache-"))
      rmSync(dir, { recursive: true, force: true });
  };
}
