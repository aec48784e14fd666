/**
 * `npm run example:web:dev`: the demo in Vite's dev server, where saving spirals.model.ts (or
 * anything it imports) recompiles the module, through the compile cache, and reloads the page.
 */
import { createServer } from "vite";
import config from "./vite.config.js";

const server = await createServer({
  ...config,
  configFile: false,
  server: { host: "127.0.0.1", port: 5173 },
});
await server.listen();
server.printUrls();
