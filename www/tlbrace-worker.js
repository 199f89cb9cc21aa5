// The explorer's Web Worker (a module worker; see frontend/src/worker.rs). It runs the page's own
// wasm: the page posts the URL of its wasm-bindgen JS and its compiled WebAssembly.Module, this
// imports the one and instantiates the other, and the wasm's main() then serves the explorer.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const { glue, module } = event.data;
    const { default: init } = await import(glue);
    await init({ module_or_path: module });
  } catch (e) {
    // A rejected promise fires no `error` event at the page's Worker, which would then wait for
    // "ready" forever (e.g. a tab left open across a deploy that removed its hashed JS). Thrown from
    // a task, the error reaches the page, which says the worker failed and why.
    setTimeout(() => {
      throw new Error(`the worker could not load the page's code: ${e && e.message ? e.message : e}`);
    });
  }
};
