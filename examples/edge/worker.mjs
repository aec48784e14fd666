// The edge example's worker: an ES-module worker for workerd (config.capnp) or Cloudflare Workers
// (wrangler's default rules import a .wasm as a module and a .bin as bytes). The model is imported
// as a WebAssembly module, which the host compiles when it loads the worker; the Net is made once
// per isolate, so its weights live in the isolate from one request to the next.
import { load, WasmgradRuntimeError } from "wasmgrad/runtime";
import model from "./model.wasm"; // a WebAssembly.Module
import modelBytes from "./model.bin"; // the same .wasm as bytes (a data module), for /load-bytes

let ready; // the isolate's Net (a promise, so that concurrent first requests share it)
const getNet = () => (ready ??= load(model).then((net) => (net.init(0), net)));
const sum = (views) => views.reduce((s, v) => v.reduce((a, b) => a + b, s), 0);

export default {
  async fetch(request) {
    const net = await getNet();
    const route = `${request.method} ${new URL(request.url).pathname}`;
    try {
      if (route === "POST /predict") {
        const { x } = await request.json(); // [x0, x1]
        return Response.json({ probs: Array.from(net.at(1).run({ x }).probs) });
      }
      if (route === "POST /train") {
        const { x, y } = await request.json(); // 8 points and their classes
        return Response.json({ loss: net.train({ x, y }).loss });
      }
      if (route === "GET /weights") {
        return Response.json({
          steps: net.states["optim.step"][0], // Adam's step counter, in the module's memory
          checksum: sum(Object.values(net.params)),
          relaxedSimd: net.manifest.options.relaxedSimd, // false: the baseline the host compiled
        });
      }
      if (route === "GET /load-bytes") {
        // workerd compiles no WebAssembly at run time: load() explains what to do instead
        return load(modelBytes).then(
          () => Response.json({ loaded: true }),
          (e) => Response.json({ loaded: false, error: e.message }),
        );
      }
      return new Response(`no route ${route}\n`, { status: 404 });
    } catch (e) {
      if (!(e instanceof WasmgradRuntimeError || e instanceof SyntaxError)) throw e;
      return Response.json({ error: e.message }, { status: 400 }); // bad shapes, labels or JSON
    }
  },
};
