//! The timeline: one column ("lane") per CPU, steps top to bottom.

use yew::prelude::*;

/// What the timeline shows.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct TimelineProps {
    /// How many CPU lanes.
    pub cpus: usize,
}

/// The heading of CPU `cpu`'s lane, as the kernel and the CLI write it.
pub fn lane_name(cpu: usize) -> String {
    format!("CPU{cpu}")
}

/// The timeline, empty for now: a headed column per CPU.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    html! {
        <section class="timeline" data-testid="timeline" aria-label="Timeline">
            { for (0..props.cpus).map(|cpu| html! {
                <div class="lane" data-testid="lane" data-cpu={cpu.to_string()} key={cpu}>
                    <h2 class="lane-head">{ lane_name(cpu) }</h2>
                    <ol class="lane-steps"></ol>
                </div>
            }) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::lane_name;

    #[test]
    fn lanes_are_named_like_the_kernel_names_cpus() {
        assert_eq!(lane_name(0), "CPU0");
        assert_eq!(lane_name(7), "CPU7");
    }
}
