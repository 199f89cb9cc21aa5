//! How race diagrams say things, as data: the words for each action beyond its id, label and aliases
//! (`model/actions/*.rs`), the functions that are part of another action's kernel path, the phrases
//! that only stand for a step until a kernel function says which, and the remarks that are nobody's
//! step. The importer ([`super::names`]) reads these tables; nothing here is code.
//!
//! Every text is compared after the same normalization as the diagram's words: lower case, `_` and
//! `-` as spaces, no spaces around `(`, `)` and `,`, no `()` at the end, no `the`/`a`/`an`, no
//! trailing `.`, `;`, `:`, `!` or `,`. So `userfaultfd_writeprotect()` and `userfaultfd writeprotect`
//! are one entry, and so are `write-protect` and `write protect`.

/// The phrases a diagram may use for an action, by the action's id. An action's id, label and
/// aliases are known without being listed here. A phrase names one action only.
pub const PHRASES: &[(&str, &[&str])] = &[
    (
        "cache_pte_in_tlb",
        &[
            "load tlb entry",
            "load tlb",
            "fill tlb",
            "fill tlb entry",
            "reload tlb",
            "reload tlb entry",
            "reload tlb from new entry",
            "tlb caches pte",
            "pte cached in tlb",
            "pte is cached in tlb",
            "cache writable pte",
            "cache rw pte in tlb",
            "writable pte in tlb",
            "user accesses memory",
            "user accesses memory using rw pte",
            "user accesses page",
            "access page",
            "touch page",
        ],
    ),
    (
        "write_to_page",
        &[
            "user writes to page",
            "user writes using stale pte",
            "user writes using stale tlb entry",
            "write page",
            "writes to page",
            "write old page",
            "write to new page",
            "read/write page",
            "write using stale pte",
            "write using stale tlb entry",
            "write through stale tlb entry",
            "write via stale tlb entry",
            "store to page",
            "store to old page",
        ],
    ),
    (
        "read_page",
        &[
            "read old page",
            "read new page",
            "user reads page",
            "load from page",
        ],
    ),
    (
        "change_prot_numa",
        &[
            "make pte numa",
            "make pte prot none",
            "make entry prot none",
            "make pte/pmd prot none",
            "numa scanner",
            "task numa work",
        ],
    ),
    (
        "do_numa_page",
        &[
            "numa fault",
            "numa hinting page fault",
            "hinting fault",
            "do huge pmd numa page",
        ],
    ),
    (
        "try_to_migrate_one",
        &[
            "migrate page",
            "start migration",
            "migrate misplaced page",
            "try to migrate",
        ],
    ),
    (
        "move_to_new_page",
        &[
            "change pte to new page",
            "change pmd to new page",
            "copy to new page",
        ],
    ),
    (
        "migrate_vma_collect_pmd",
        &["migrate vma", "migrate vma collect pmd"],
    ),
    (
        "mprotect",
        &[
            "mprotect(addr,prot read)",
            "mprotect(addr,len,prot read)",
            "mprotect(prot read)",
        ],
    ),
    (
        "mwriteprotect_range",
        &[
            "uffdio writeprotect",
            "userfaultfd write protect",
            "userfaultfd write unprotect",
            "uffd wp",
            "uffd write protect",
        ],
    ),
    (
        "try_to_unmap_one",
        &["should defer flush", "reclaim unmaps page", "try to unmap"],
    ),
    (
        "try_to_unmap_flush",
        &[
            "flush batched tlb",
            "batched tlb flush",
            "arch tlbbatch flush",
        ],
    ),
    (
        "flush_tlb_range",
        &[
            "flush tlb",
            "tlb flush",
            "flush tlbs",
            "flush tlb range",
            "flush deferred tlb",
            "deferred tlb flush done",
        ],
    ),
    (
        "zap_pte_range",
        &[
            "madvise(madv dontneed)",
            "madvise(addr,len,madv dontneed)",
            "munmap(addr)",
            "zap pte",
        ],
    ),
    (
        "madvise_free_pte_range",
        &["madvise(madv free)", "madvise(addr,len,madv free)"],
    ),
    (
        "clear_refs_write",
        &[
            "echo 4 > /proc/pid/clear refs",
            "write to clear refs",
            "clear soft dirty bits",
        ],
    ),
    ("page_mkclean_one", &["mkclean", "clean page for writeback"]),
    (
        "write_page_to_disk",
        &["start writeback", "write back page", "write out page"],
    ),
    (
        "drop_clean_page",
        &[
            "reclaim page",
            "drop page",
            "free page",
            "page reclaimed",
            "reclaim clean page",
        ],
    ),
    (
        "write_protect_page",
        &["ksm write protect page", "ksm write protect"],
    ),
    ("pages_identical", &["compare pages", "pages are identical"]),
    ("replace_page", &["ksm replace page", "merge page"]),
    ("wp_page_copy", &["cow", "copy on write", "copy page (cow)"]),
    (
        "tlb_finish_mmu",
        &["madvise returns", "munmap returns", "tlb flush mmu"],
    ),
];

/// Phrases that stand for a step only until the diagram says which: a page fault is a store
/// ([`crate::Action::WriteToPage`]) unless a kernel function of the fault follows it in its lane
/// (`[ page-fault ]` … `wp_page_copy()`), which then takes its place.
pub const WEAK: &[(&str, &[&str])] = &[(
    "write_to_page",
    &[
        "page fault",
        "fault",
        "write fault",
        "write page fault",
        "handle mm fault",
        "do page fault",
        "handle pte fault",
        "do user addr fault",
    ],
)];

/// How far a helper reaches back for the step it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Only within its lane's block (the lines right above it, no blank line between) or under an
    /// arrow (`==>`, `->`) or a deeper indentation: `pte_offset_map_lock()` under `zap_pte_range()`.
    Block,
    /// Anywhere below the lane's last step: functions that are never a syscall's entry, such as
    /// `change_pte_range()` under `mwriteprotect_range()` a paragraph later.
    Lane,
}

/// A kernel function that is part of other actions' paths: under a step of one of `within` (any
/// step, when it is empty) it is absorbed into that step instead of being a step of its own. Where
/// it is also an action's name (`pte_mkclean()`, `change_pte_range` for mprotect), it is that
/// action when it stands on its own.
#[derive(Clone, Copy, Debug)]
pub struct Helper {
    /// The function names.
    pub names: &'static [&'static str],
    /// The ids of the actions it is part of; empty for every action (locks, walks).
    pub within: &'static [&'static str],
    /// How far back it looks for that step.
    pub reach: Reach,
}

/// The helper functions.
pub const HELPERS: &[Helper] = &[
    Helper {
        names: &[
            "change_protection",
            "change_protection_range",
            "change_pte_range",
            "change_pmd_range",
            "change_pud_range",
            "change_p4d_range",
        ],
        within: &["mprotect", "change_prot_numa", "mwriteprotect_range"],
        reach: Reach::Lane,
    },
    Helper {
        names: &[
            "mmap_read_lock",
            "mmap_read_unlock",
            "mmap_write_lock",
            "mmap_write_lock_killable",
            "mmap_write_unlock",
            "mmap_write_downgrade",
            "down_read",
            "down_write",
            "up_read",
            "up_write",
            "downgrade_write",
            "pte_offset_map_lock",
            "pte_offset_map",
            "spin_lock",
            "lock_page",
            "trylock_page",
            "folio_lock",
            "unlock_page",
            "folio_unlock",
            "page_vma_mapped_walk",
            "walk_page_range",
            "flush_cache_page",
            "flush_cache_range",
            "arch_enter_lazy_mmu_mode",
            "arch_leave_lazy_mmu_mode",
            "mmu_notifier_invalidate_range_start",
            "mmu_notifier_invalidate_range_end",
            "mmu_notifier_invalidate_range",
            "set_pte_at",
            "ptep_modify_prot_start",
            "ptep_modify_prot_commit",
            "page_remove_rmap",
            "folio_remove_rmap_pte",
            "put_page",
            "get_page",
            "unmap_region",
            "unmap_vmas",
            "free_pgtables",
            "vma_set_page_prot",
            "page_address_in_vma",
            "mm_find_pmd",
            "pmd_lock",
            "ptl_lock",
        ],
        within: &[],
        reach: Reach::Block,
    },
    Helper {
        names: &["inc_tlb_flush_pending", "set_tlb_flush_pending"],
        within: &[
            "tlb_gather_mmu",
            "change_prot_numa",
            "mwriteprotect_range",
            "mprotect",
        ],
        reach: Reach::Block,
    },
    Helper {
        names: &["dec_tlb_flush_pending", "clear_tlb_flush_pending"],
        within: &["tlb_finish_mmu"],
        reach: Reach::Block,
    },
    Helper {
        names: &[
            "ptep_get_and_clear",
            "ptep_get_and_clear_full",
            "ptep_clear_flush",
            "ptep_clear_flush_notify",
            "set_tlb_ubc_flush_pending",
            "should_defer_flush",
            "flush_tlb_batched_pending",
            "set_page_dirty",
            "folio_mark_dirty",
        ],
        within: &[
            "try_to_unmap_one",
            "try_to_migrate_one",
            "migrate_vma_collect_pmd",
            "write_protect_page",
            "replace_page",
            "page_mkclean_one",
            "zap_pte_range",
            "madvise_free_pte_range",
            "drop_clean_page",
            "wp_page_copy",
            "set_pte_at_notify",
            "mprotect",
        ],
        reach: Reach::Block,
    },
    Helper {
        names: &["pte_mkclean", "pte_mkold", "ptep_test_and_clear_young"],
        within: &[
            "madvise_free_pte_range",
            "page_mkclean_one",
            "write_protect_page",
        ],
        reach: Reach::Block,
    },
    Helper {
        names: &["pte_wrprotect", "pte_clear_soft_dirty"],
        within: &[
            "write_protect_page",
            "page_mkclean_one",
            "mwriteprotect_range",
            "mprotect",
        ],
        reach: Reach::Block,
    },
    Helper {
        names: &["flush_tlb_range", "flush_tlb_page", "flush_tlb_mm"],
        within: &[
            "mprotect",
            "try_to_migrate_one",
            "write_protect_page",
            "replace_page",
            "page_mkclean_one",
            "drop_clean_page",
            "set_pte_at_notify",
            "tlb_finish_mmu",
            "try_to_unmap_flush",
        ],
        reach: Reach::Block,
    },
    Helper {
        names: &[
            "tlb_flush_mmu",
            "tlb_flush_mmu_tlbonly",
            "tlb_flush_mmu_free",
            "tlb_flush",
        ],
        within: &["tlb_finish_mmu", "zap_pte_range", "madvise_free_pte_range"],
        reach: Reach::Block,
    },
    Helper {
        names: &["cow_user_page", "copy_user_highpage", "do_wp_page"],
        within: &["wp_page_copy"],
        reach: Reach::Block,
    },
    Helper {
        names: &["set_pte_at_notify"],
        within: &["replace_page", "write_protect_page"],
        reach: Reach::Block,
    },
];

/// Remarks a lane may hold that are no step: what came of the race, and time passing. They are
/// listed in the import's `commentary`, never dropped.
pub const COMMENTARY: &[&str] = &[
    "lose data",
    "lost data",
    "data lost",
    "data loss",
    "data is lost",
    "write is lost",
    "write lost",
    "lost write",
    "lost update",
    "memory corruption",
    "data corruption",
    "corruption",
    "corrupted",
    "silent corruption",
    "data integrity compromised",
    "data integrity guaranteed",
    "use after free",
    "oops",
    "crash",
    "bug",
    "boom",
    "later",
    "time passes",
    "meanwhile",
    "some time later",
    "sleep",
    "preempted",
    "context switch",
    "returns",
    "return",
    "done",
];
