//! The playground's entry point: mount [`App`] on `<body>`.

fn main() {
    yew::Renderer::<tlbrace_frontend::App>::new().render();
}
