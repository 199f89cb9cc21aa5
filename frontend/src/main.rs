//! The playground's entry point: mount [`App`](tlbrace_frontend::App) on `<body>`, or, when this
//! wasm was started in the explorer's worker, serve the explorer ([`tlbrace_frontend::worker`]).

fn main() {
    if tlbrace_frontend::worker::in_worker() {
        tlbrace_frontend::worker::run();
    } else {
        yew::Renderer::<tlbrace_frontend::App>::new().render();
    }
}
