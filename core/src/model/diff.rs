//! Where two variants part ways on one timeline: the first step after which what the hardware and the
//! pages see (PTEs, TLB entries, frames, disk) differs, field by field, and the fixes that decided it;
//! plus the steps before it where only the kernel's bookkeeping (the pending count, open gathers,
//! locks) differed.

use serde::{Deserialize, Serialize};

use crate::model::scenario::{Scenario, ScenarioError};
use crate::model::state::{FrameStatus, State};
use crate::model::trace::run;
use crate::model::variant::{Fix, Variant};
use crate::model::{step_consulting, Locking};

/// One named field that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The field, as the kernel or the inspector names it (`PTE0.W`, `CPU0 TLB0`, `F1.PG_dirty`).
    pub field: String,
    /// Its value under the first variant.
    pub a: String,
    /// Its value under the second.
    pub b: String,
}

/// A step after which the two runs' states differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDiff {
    /// The step (from 0).
    pub step: usize,
    /// What differs after it.
    pub fields: Vec<FieldDiff>,
    /// The fixes this step consulted on which the variants disagree: why it went two ways.
    pub fixes: Vec<Fix>,
    /// The step's explanation under each variant.
    pub a_text: String,
    /// Under the second.
    pub b_text: String,
}

/// The comparison of one timeline under two variants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// The first step after which machine-visible state differs (`None`: the runs agree on it to
    /// the end).
    pub first: Option<StepDiff>,
    /// Earlier steps after which only kernel bookkeeping differed.
    pub bookkeeping: Vec<StepDiff>,
    /// The verdict labels under each variant.
    pub verdicts: (String, String),
}

/// Compares `scenario` run under `a` and under `b`.
pub fn diff(scenario: &Scenario, a: &Variant, b: &Variant) -> Result<Diff, ScenarioError> {
    let (ta, tb) = (run(scenario, a)?, run(scenario, b)?);
    let contexts = scenario.contexts();
    let mut out = Diff {
        first: None,
        bookkeeping: Vec::new(),
        verdicts: (ta.verdict.label().into(), tb.verdict.label().into()),
    };
    let differing: Vec<Fix> = Fix::ALL
        .into_iter()
        .filter(|&f| a.has(f) != b.has(f))
        .collect();
    for (i, st) in scenario.steps.iter().enumerate() {
        let (sa, sb) = (&ta.states[i], &tb.states[i]);
        if sa == sb {
            continue;
        }
        let before_a = if i == 0 { ta.initial } else { ta.states[i - 1] };
        let before_b = if i == 0 { tb.initial } else { tb.states[i - 1] };
        let asked_a = step_consulting(&before_a, &contexts[i], st.action, a, Locking::AsDrawn).1;
        let asked_b = step_consulting(&before_b, &contexts[i], st.action, b, Locking::AsDrawn).1;
        let asked = asked_a.union(asked_b);
        let visible = compare(&fields(sa, true), &fields(sb, true));
        let step = StepDiff {
            step: i,
            fields: if visible.is_empty() {
                compare(&fields(sa, false), &fields(sb, false))
            } else {
                visible.clone()
            },
            fixes: differing
                .iter()
                .copied()
                .filter(|&f| asked.has(f))
                .collect(),
            a_text: ta.events[i].text(),
            b_text: tb.events[i].text(),
        };
        if visible.is_empty() {
            // A difference already reported at an earlier step is not news.
            if out
                .bookkeeping
                .last()
                .is_none_or(|b| b.fields != step.fields)
            {
                out.bookkeeping.push(step);
            }
        } else {
            out.first = Some(step);
            break;
        }
    }
    Ok(out)
}

fn compare(a: &[(String, String)], b: &[(String, String)]) -> Vec<FieldDiff> {
    a.iter()
        .zip(b)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, y)| FieldDiff {
            field: x.0.clone(),
            a: x.1.clone(),
            b: y.1.clone(),
        })
        .collect()
}

/// A state's fields by name: what the machine and the pages show (`visible`), else the kernel's
/// bookkeeping. Both lists have the same names in the same order for states of one scenario.
fn fields(s: &State, visible: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let flag = |b: bool| if b { "1" } else { "0" }.to_string();
    if visible {
        for v in 0..s.vpage_count() {
            let p = s.pte[v];
            for (name, value) in [
                ("present", p.present),
                ("W", p.write),
                ("D", p.dirty),
                ("A", p.young),
                ("soft-dirty", p.soft_dirty),
                ("PROT_NONE", p.protnone),
                ("uffd-wp", p.uffd_wp),
                ("migration", p.migration),
            ] {
                out.push((format!("PTE{v}.{name}"), flag(value)));
            }
            out.push((format!("PTE{v}.frame"), format!("F{}", p.frame)));
            for c in 0..s.cpu_count() {
                let e = s.tlb[c][v].map_or("-".to_string(), |e| {
                    format!(
                        "{}@F{}",
                        crate::model::state::TlbEntry::code(Some(e)),
                        e.frame
                    )
                });
                out.push((format!("CPU{c} TLB{v}"), e));
            }
        }
        for (i, f) in s.frame.iter().enumerate() {
            let status = match f.status {
                FrameStatus::Free => "free".to_string(),
                FrameStatus::Used => format!("page {} v{}", f.page, f.data),
                FrameStatus::Freed => "freed".to_string(),
            };
            out.push((format!("F{i}"), status));
            out.push((format!("F{i}.PG_dirty"), flag(f.pg_dirty)));
            out.push((format!("F{i}.mapcount"), f.mapcount.to_string()));
        }
        for p in 0..usize::from(s.pages) {
            out.push((format!("page {p} disk"), format!("v{}", s.page[p].disk)));
            let frame = s.page[p].frame.map_or("-".to_string(), |f| format!("F{f}"));
            out.push((format!("page {p} frame"), frame));
        }
    } else {
        out.push((
            "mm->tlb_flush_pending".into(),
            s.tlb_flush_pending.to_string(),
        ));
        out.push(("mm->tlb_flush_batched".into(), flag(s.tlb_flush_batched)));
        for c in 0..s.cpu_count() {
            let k = &s.kernel[c];
            let gather = k.gather.map_or("-".to_string(), |g| {
                let mut w = vec![format!("{:?}", g.kind)];
                for (on, word) in [
                    (g.fullmm, "fullmm"),
                    (g.raised_pending, "raised the count"),
                    (g.cleared, "cleared PTEs"),
                ] {
                    if on {
                        w.push(word.to_string());
                    }
                }
                w.join(", ")
            });
            out.push((format!("CPU{c} mmu_gather"), gather));
            let deferred = k.deferred.map_or("-".to_string(), |d| {
                format!(
                    "pages {:#b}{}",
                    d.pages,
                    if d.raised { ", raised" } else { "" }
                )
            });
            out.push((format!("CPU{c} deferred flush"), deferred));
            out.push((format!("CPU{c} unmap batch"), flag(k.ubc.flush_required)));
            out.push((
                format!("CPU{c} copy"),
                format!("{:?}", k.copy.map(|c| c.kind)),
            ));
        }
        let holder = |h: Option<u8>| h.map_or("-".to_string(), |c| format!("CPU{c}"));
        out.push(("page-table lock".into(), holder(s.locks.ptl)));
        for p in 0..usize::from(s.pages) {
            out.push((format!("page {p} lock"), holder(s.locks.page[p])));
        }
        out.push(("mmap_lock writer".into(), holder(s.locks.mmap_writer)));
        out.push((
            "mmap_lock readers".into(),
            format!("{:#b}", s.locks.mmap_readers),
        ));
        for v in 0..s.vpage_count() {
            let m = s.map[v];
            for (name, value) in [
                ("VM_WRITE", m.vm_write),
                ("write revoked", m.write_revoked),
                ("soft-dirty armed", m.soft_dirty_armed),
                ("unmapped", m.unmapped),
            ] {
                out.push((format!("VMA{v} {name}"), flag(value)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::example;
    use crate::model::action::Action;
    use crate::model::variant::Preset;

    #[test]
    fn example_1_parts_ways_at_page_mkclean_ones_skip() {
        let s = example("example-1").unwrap();
        let d = diff(&s, &Preset::V5_10Rc4.variant(), &Preset::YuFix.variant()).unwrap();
        let first = d.first.expect("they part ways");
        assert_eq!(s.steps[first.step].action, Action::PageMkcleanOne);
        assert_eq!(first.fixes, vec![Fix::YuMkcleanPending]);
        assert!(
            first.fields.iter().any(|f| f.field == "CPU0 TLB0"),
            "{:?}",
            first.fields
        );
        // Before it, only bookkeeping: yu-fix takes no gather, so the pending count differs.
        let gather = &d.bookkeeping[0];
        assert_eq!(s.steps[gather.step].action, Action::TlbGatherMmu);
        assert!(gather.fixes.contains(&Fix::YuNoGather));
        assert_eq!(d.verdicts, ("lost".to_string(), "guaranteed".to_string()));
    }

    #[test]
    fn a_variant_does_not_part_ways_with_itself() {
        let s = example("example-1").unwrap();
        let v = Preset::V5_12.variant();
        let d = diff(&s, &v, &v).unwrap();
        assert!(d.first.is_none() && d.bookkeeping.is_empty());
    }
}
