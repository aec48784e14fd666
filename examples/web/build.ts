/**
 * `npm run example:web`: builds the browser demo with Vite into out/web/ (the wasmgrad plugin
 * compiles the model at build time), then serves it on http://127.0.0.1:5173 until interrupted.
 * `--no-serve` only builds.
 */
import { build, preview } from "vite";
import config from "./vite.config.js";

const outDir = new URL("../../out/web/", import.meta.url).pathname;
await build({ ...config, configFile: false, build: { ...config.build, outDir, emptyOutDir: true } });
console.log(`built the demo into ${outDir}`);
if (!process.argv.includes("--no-serve")) {
  const server = await preview({
    ...config,
    configFile: false,
    build: { ...config.build, outDir },
    preview: { host: "127.0.0.1", port: 5173 },
  });
  server.printUrls();
}
