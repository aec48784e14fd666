# workerd's config for the edge example: one worker, served over HTTP. `tsx examples/edge/build.ts`
# writes it next to the files it embeds (paths are relative to this file); then
#   workerd serve out/edge/config.capnp --socket-addr http=127.0.0.1:8787
# (--socket-addr overrides the socket's address below). workerd compiles the `wasm` module when it
# loads the worker, the only time it compiles WebAssembly.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .edgeWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const edgeWorker :Workerd.Worker = (
  modules = [
    # the first module is the worker's entry point
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    # `import model from "./model.wasm"`: a WebAssembly.Module (CompiledWasm)
    (name = "model.wasm", wasm = embed "model.wasm"),
    # `import modelBytes from "./model.bin"`: the same file as an ArrayBuffer
    (name = "model.bin", data = embed "model.wasm"),
    # The built runtime (dist/runtime/): index.js named as the worker imports it, "wasmgrad/runtime",
    # and the files it imports named as workerd resolves "./load.js" from there, like a path.
    # build.ts rewrites the lines between the markers with the files index.js imports.
    # begin runtime modules
    (name = "wasmgrad/runtime", esModule = embed "runtime/index.js"),
    (name = "wasmgrad/engine.js", esModule = embed "runtime/engine.js"),
    (name = "wasmgrad/errors.js", esModule = embed "runtime/errors.js"),
    (name = "wasmgrad/load.js", esModule = embed "runtime/load.js"),
    (name = "wasmgrad/manifest.js", esModule = embed "runtime/manifest.js"),
    (name = "wasmgrad/net.js", esModule = embed "runtime/net.js"),
    (name = "wasmgrad/read-manifest.js", esModule = embed "runtime/read-manifest.js"),
    (name = "wasmgrad/traps.js", esModule = embed "runtime/traps.js"),
    (name = "wasmgrad/values.js", esModule = embed "runtime/values.js"),
    (name = "wasmgrad/weights.js", esModule = embed "runtime/weights.js"),
    # end runtime modules
  ],
  compatibilityDate = "2026-11-01",
);
