//! The release timeline under the matrix: the kernel releases v3.12 … v6.2 in order, each with its
//! verdict, and where the verdict flips from one release to the next the commits that flipped it
//! (core's [`release_flips`]: the fixes one release has and the other lacks that the runs asked
//! about), each linking to the commit.
//!
//! DOM contract: `ol.release-timeline` of `.release[data-release][data-verdict]` (after a
//! `.release-caption`), with a
//! `.release-flip[data-from][data-to]` before each release whose verdict differs from the one before
//! it, holding `a.flip-commit[data-fix]` per commit.

use std::rc::Rc;

use tlbrace_core::model::variant::PresetKind;
use tlbrace_core::{release_flips, Fix, Flip, Preset, PresetRun};
use yew::prelude::*;

use super::verdicts::{verdict_id, verdict_words, Column, VariantKey};

/// Where a commit id can be read: the kernel's tree by its 12 hex digits; `None` for a proposal
/// (whose "commit" says where it was posted).
pub fn commit_url(commit: &str) -> Option<String> {
    (commit.len() >= 12 && commit.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("https://git.kernel.org/linus/{commit}"))
}

/// The releases in order, each with its verdict id and the flip that leads to it, if any.
pub fn timeline(cols: &[Column]) -> Vec<(Preset, &'static str, Option<Flip>)> {
    // release_flips reads core's own runs: the columns' traces, as the presets ran them.
    let runs: Vec<PresetRun> = cols
        .iter()
        .filter_map(|c| match c.key {
            VariantKey::Preset(preset) => Some(PresetRun {
                preset,
                result: (*c.result).clone(),
            }),
            VariantKey::Custom => None,
        })
        .collect();
    let mut flips = release_flips(&runs).into_iter().peekable();
    cols.iter()
        .filter_map(|c| match c.key {
            VariantKey::Preset(p) if p.def().kind == PresetKind::Release => {
                Some((p, verdict_id(&c.result)))
            }
            _ => None,
        })
        .map(|(p, id)| {
            let flip = flips.next_if(|f| f.to == p);
            (p, id, flip)
        })
        .collect()
}

fn commit(fix: Fix) -> Html {
    let def = fix.def();
    let title = format!("{} ({}): {}", def.title, def.name, def.summary);
    match commit_url(def.commit) {
        Some(href) => html! {
            <a class="flip-commit" data-fix={def.name} {href} {title} target="_blank" rel="noopener">
                <code>{ def.commit }</code>
            </a>
        },
        None => html! { <span class="flip-commit" data-fix={def.name} {title}>{ def.name }</span> },
    }
}

/// What the timeline shows.
#[derive(Clone, PartialEq, Properties)]
pub struct ReleaseTimelineProps {
    /// The matrix's columns.
    pub columns: Rc<Vec<Column>>,
}

/// The release timeline.
#[component]
pub fn ReleaseTimeline(props: &ReleaseTimelineProps) -> Html {
    let entries = use_memo(props.columns.clone(), |cols| timeline(cols));
    html! {
        <ol class="release-timeline" aria-label="The verdict release by release">
            <li class="release-caption">{ "Releases:" }</li>
            { for entries.iter().map(|(p, id, flip)| {
                let flip = flip.as_ref().map(|f| {
                    let from = verdict_words(verdict_id_of(f.labels.0)).1;
                    let to = verdict_words(verdict_id_of(f.labels.1)).1;
                    html! {
                        <li class="release-flip" data-from={f.from.name()} data-to={f.to.name()}
                            title={format!("{} → {}: {from} → {to}", f.from.name(), f.to.name())}>
                            <span class="flip-arrow" aria-hidden="true">{ "→" }</span>
                            <span class="flip-words">{ format!("{to} by ") }</span>
                            if f.fixes.is_empty() {
                                { "a fix the timeline did not ask about" }
                            }
                            { for f.fixes.iter().enumerate().map(|(k, &fix)| html! {
                                <>{ if k > 0 { ", " } else { "" } }{ commit(fix) }</>
                            }) }
                        </li>
                    }
                });
                let (glyph, words) = verdict_words(id);
                html! {
                    <>
                        { flip }
                        <li class="release" data-release={p.name()} data-verdict={*id}
                            title={format!("{}: {words}", p.name())}>
                            <span class="release-name">{ p.name() }</span>
                            <span class="release-glyph" aria-label={words}>{ glyph }</span>
                        </li>
                    </>
                }
            }) }
        </ol>
    }
}

/// A verdict label as `release_flips` gives it (`lost`, `at risk`) as the id the page uses.
fn verdict_id_of(label: &str) -> &str {
    if label == "at risk" {
        "at-risk"
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::verdicts::columns;
    use tlbrace_core::examples::example;
    use tlbrace_core::Arch;

    #[test]
    fn ksm_flips_at_v4_13_by_its_commit() {
        let cols = columns(
            &example("ksm").unwrap(),
            Arch::X86,
            crate::view::default_custom(),
        );
        let t = timeline(&cols);
        let names: Vec<&str> = t.iter().map(|(p, _, _)| p.name()).collect();
        assert_eq!(names.first(), Some(&"v3.12"));
        assert_eq!(names.last(), Some(&"v6.2"));
        assert!(!names.contains(&"yu-fix"), "releases only");
        let flips: Vec<&Flip> = t.iter().filter_map(|(_, _, f)| f.as_ref()).collect();
        assert_eq!(flips.len(), 1);
        assert_eq!((flips[0].from, flips[0].to), (Preset::V4_12, Preset::V4_13));
        assert!(flips[0].fixes.contains(&Fix::KsmChecksPending));
        let at = t.iter().position(|(p, _, _)| *p == Preset::V4_13).unwrap();
        assert!(t[at].2.is_some());
        assert_eq!((t[at - 1].1, t[at].1), ("lost", "guaranteed"));
        assert_eq!(
            commit_url(Fix::KsmChecksPending.def().commit).as_deref(),
            Some("https://git.kernel.org/linus/b3a81d0841a9")
        );
        assert_eq!(commit_url("Yu Zhao, reply to [PATCH 6/6]"), None);
        assert_eq!(verdict_id_of("at risk"), "at-risk");
        assert_eq!(verdict_id_of("lost"), "lost");
    }
}
