//! Explicit TLB flushes.

use super::wp_clean::flush_everywhere;
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Effect, FlushScope};
use crate::model::footprint::{Footprint, Var};
use crate::model::state::CpuSet;

/// `flush_tlb_mm()`: flush the whole address space on every CPU.
pub(super) const FLUSH_TLB_MM: ActionDef = ActionDef {
    action: Action::FlushTlbMm,
    id: "flush_tlb_mm",
    label: "flush_tlb_mm()",
    aliases: &[],
    path: KernelPath::Tlb,
    summary: "Flush the whole mm on every CPU.",
    share_code: 15,
    footprint: |cpu, _| Footprint::new(&[], &[Var::Recorded(cpu)]).flushing_all(),
    apply: |s, cpu, _| Ok(flush_everywhere(s, cpu, FlushScope::Mm)),
};

/// `local_flush_tlb_page()`: flush the page from this CPU's TLB only.
pub(super) const LOCAL_FLUSH_TLB_PAGE: ActionDef = ActionDef {
    action: Action::LocalFlushTlbPage,
    id: "local_flush_tlb_page",
    label: "local_flush_tlb_page()",
    aliases: &[],
    path: KernelPath::Tlb,
    summary: "Flush the page from this CPU's TLB only.",
    share_code: 16,
    footprint: |cpu, _| Footprint::new(&[], &[Var::Tlb(cpu)]),
    apply: |s, cpu, _| {
        let held = s.flush(CpuSet::only(cpu));
        Ok(Effect::Flushed {
            scope: FlushScope::Local,
            held,
        })
    },
};
