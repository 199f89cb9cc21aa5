// The explorer's Web Worker (a module worker; see frontend/src/worker.rs). It runs the page's own
// wasm: the page posts the URL of its wasm-bindgen JS and its compiled WebAssembly.Module, this
// imports the one and instantiates the other, and the wasm's main() then serves the explorer.
self.onmessage = async (event) => {
  self.onmessage = null;
  const { glue, module } = event.data;
  const { default: init } = await import(glue);
  await init({ module_or_path: module });
};
