// Starts the playground: imports the wasm-bindgen JS and instantiates the wasm that Trunk named in
// this script's data-js and data-wasm attributes (Trunk.toml's pattern_script). A file rather than
// Trunk's inline loader, so that the page's Content-Security-Policy (www/index.html) allows scripts
// from the page's own origin only, with no hash that would change with every build.
const boot = document.querySelector('script[data-tlbrace-boot]');
const { default: init } = await import(new URL(boot.dataset.js, document.baseURI).href);
const wasm = await init({ module_or_path: new URL(boot.dataset.wasm, document.baseURI).href });
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
