//! User Timing measures of the page's own work, for the benchmark (`e2e/bench/bench.spec.ts`) and
//! for anyone profiling in the browser's Performance panel: each [`measure`] adds a `measure` entry
//! (`performance.getEntriesByName("tlbrace:run_all")`) with the time the closure took, measured
//! inside the wasm. Outside a browser window it only runs the closure.

/// Runs `f`, recording its duration as the User Timing measure `name`.
pub fn measure<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let perf = web_sys::window().and_then(|w| w.performance());
    let Some(perf) = perf else {
        return f();
    };
    let start = format!("{name}:start");
    let _ = perf.mark(&start);
    let out = f();
    let _ = perf.measure_with_start_mark(name, &start);
    perf.clear_marks_with_mark_name(&start);
    out
}
