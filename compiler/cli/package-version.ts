/** The package's version, from the package.json above this file (source tree or dist/). */
import { readFileSync } from "node:fs";

export function packageVersion(): string {
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "wasmgrad" && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next
    }
  }
  return "unknown";
}
