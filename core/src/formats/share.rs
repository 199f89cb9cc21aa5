//! Share links: a whole scenario (title, lane labels, pages, initial overrides, the author's view,
//! steps and notes) in a URL fragment short enough to paste into a chat line or a commit message.
//!
//! A fragment is `v2.` followed by base64url (no padding) of a raw DEFLATE stream (RFC 1951) whose
//! preset dictionary is [`DICTIONARY_V2`]; the stream inflates to the compact binary payload that
//! `docs/scenario-format.md` §2 specifies byte by byte, ending in a checksum so that a link a mail
//! client damaged is refused instead of opening another scenario. JSON would be simpler, but it costs
//! four times the bytes per step and the seed's Example 1 would not fit in a 160-character fragment;
//! the dictionary holds the model's vocabulary, so the notes people write about these races compress
//! to a few bytes.
//!
//! Each version of this encoding is frozen once released: prefix, payload layout, action codes and
//! dictionary never change meaning. `v1.` links (model v1, no checksum) keep opening through their own
//! decoder and the version-1 migration ([`super::v1`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, deflate_flags, CompressorOxide,
    TDEFLFlush, TDEFLStatus,
};
use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use crate::formats::json::FormatError;
use crate::formats::v1::{InitialV1, ScenarioV1, StepV1, TlbEntryV1};
use crate::model::action::Action;
use crate::model::initial::{fields, FieldKind, FieldValue, InitialState, PageSpec, Scope};
use crate::model::scenario::{Scenario, Step, View, FORMAT_VERSION, MAX_STEPS, MAX_VIEW_ENTRIES};
use crate::model::state::{PageKind, TlbEntry, MAX_CPUS, MAX_PAGES};

/// What every fragment this release writes starts with; the version lives here rather than in the
/// payload so that a decoder can tell "newer release" from "damaged link" before touching the data.
pub const PREFIX: &str = "v2.";

/// What model v1's fragments start with.
pub const PREFIX_V1: &str = "v1.";

/// The longest fragment accepted, in characters: far beyond any real scenario's link, small enough
/// that a hostile one cannot make the decoder allocate much.
pub const MAX_FRAGMENT_CHARS: usize = 2 << 20;

/// The largest payload the decoder inflates, in bytes. Every valid scenario's payload is smaller
/// (256 notes of 500 four-byte characters come to about 520 KB); the cap is what bounds memory when a
/// crafted link is a decompression bomb.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// Version 1's dictionary, as a macro so that version 2's can end with it.
macro_rules! dictionary_v1 {
    () => {
        concat!(
    "CPU4 CPU5 CPU6 CPU7 arm64 x86 v5.10-rc4 will-4+6 yu-fix+flush v5.12 fullmm ranged nested ",
    "batching gather deferred recorded skipped flushed flushing reclaimed written faults the a an ",
    "of to in on is it and or with without not no yes but after before while when then so because ",
    "only every other same this that still never again later first last now one both each\n",
    "PG_dirty page cache mm->tlb_flush_pending pte_dirty() pte_write() pte_young() ",
    "mm_tlb_flush_nested() TestClearPageDirty set_page_dirty ptep_clear_flush MADV_FREE clear_refs ",
    "soft-dirty young read-only writable clean dirty stale entry entries present write-protect ",
    "data integrity memory corruption lost at risk disk memory version\n",
    "cache PTE in TLB Write to page inc_tlb_flush_pending() clean_record_pte() pte_mkclean() ",
    "flush_tlb_range() dec_tlb_flush_pending() tlb_gather_mmu() clear_refs_write() pte_wrprotect() ",
    "pte_mkold() tlb_finish_mmu() page_mkclean_one() write page to disk drop clean page ",
    "flush_tlb_mm() local_flush_tlb_page()\n",
    "Example 1, with CPU2's tlb_finish_mmu() just before CPU0's write\n",
    "Example 2, case a case b case c\n",
    "Example 1: memory corruption is still possible with patch 4 & 6\n",
    "pte_dirty() is false pte_dirty() is true true: no flush false: flush true, no flush ",
    "h/w tries to set the dirty bit but sees write-protected PTE, page fault\n",
    "CPU0 CPU1 CPU2 CPU3 set mm_tlb_flush_pending() using stale PTE flush (with patch 4) ",
    "data integrity guaranteed data integrity compromised\n",
    "userspace page writeback cache writable PTE in TLB"
)
    };
}

/// The preset dictionary of version 1, frozen forever: the words and phrases these diagrams are made
/// of, most likely last (DEFLATE reaches recent bytes with shorter distance codes). Its bytes are
/// also written out in `docs/scenario-format.md` and a test keeps the two identical.
pub const DICTIONARY_V1: &str = dictionary_v1!();

/// The preset dictionary of version 2, frozen once released: model v2's vocabulary (its new actions,
/// fixes, releases and verdicts), then version 1's, whose words the seed's diagrams use most.
pub const DICTIONARY_V2: &str = concat!(
    "v3.12 v3.13 v3.15 v4.12 v4.13 v4.15 v5.2 v5.6 v5.10 v5.11 v6.0 v6.2 @arm64 ",
    "use-after-free write-after-protect write-after-unmap soft-dirty-miss latent at-risk lost ",
    "guaranteed ",
    "pte-accessible-pending zap-flush-under-ptl batched-unmap-flush flush-batched-pending ",
    "pending-counter ksm-checks-pending nested-flush oom-reaper-ranged nested-fullmm ",
    "elide-empty-finish arm64-wrprotect-keeps-dirty arm64-accessible-old clear-refs-write-lock ",
    "clear-refs-flush wp-copy-flushes-pending migrate-vma-flush-under-ptl delay-rmap will-records ",
    "will-ranged yu-mkclean-pending yu-no-gather mkclean-never-skips\n",
    "anon file frame page 0 page 1 migration entry PROT_NONE NUMA hinting KSM COW uffd-wp mprotect ",
    "MADV_DONTNEED munmap OOM reaper reclaim batched page-table lock mmap_lock page lock freed ",
    "copy merge stale TLB entry user writes using cached RW PTE non-present no flush\n",
    "read page madvise_free_pte_range() zap_pte_range() pte_unmap_unlock() __oom_reap_task_mm() ",
    "mprotect(PROT_READ) change_prot_numa() mwriteprotect_range() do_numa_page() ",
    "try_to_migrate_one() move_to_new_page() migrate_vma_collect_pmd() try_to_unmap_one() ",
    "try_to_unmap_flush() write_protect_page() pages_identical() replace_page() wp_page_copy() ",
    "set_pte_at_notify()\n",
    dictionary_v1!()
);

/// Encodes a scenario as a share-link fragment (without the `#`).
///
/// The scenario should pass [`Scenario::validate`]; an invalid one is written as far as the format can
/// say it (a step CPU above 7 is clamped to 7) and its link then fails to decode with the validation
/// message, or opens a different scenario. Encoding never fails and never panics.
pub fn encode(scenario: &Scenario) -> String {
    let payload = payload(scenario);
    let dict = DICTIONARY_V2.as_bytes();
    let a = deflate(&payload, dict, false);
    let b = deflate(&payload, dict, true);
    // Both are valid DEFLATE; the fixed-Huffman one wins for short scenarios, where a dynamic block's
    // code tables would cost more than they save.
    let best = if b.len() <= a.len() { b } else { a };
    let mut out = String::with_capacity(PREFIX.len() + best.len() * 4 / 3 + 4);
    out.push_str(PREFIX);
    URL_SAFE_NO_PAD.encode_string(&best, &mut out);
    out
}

/// Opens a share link: a bare fragment, a fragment with its `#`, or a whole URL; `v2.` or `v1.`.
/// Whitespace anywhere is ignored (mail clients wrap long links). Every failure is a message fit for
/// the user.
pub fn decode(text: &str) -> Result<Scenario, FormatError> {
    let fragment = match text.find('#') {
        Some(i) => &text[i + 1..],
        None => text,
    };
    if fragment.len() > MAX_FRAGMENT_CHARS {
        return Err(err(format!(
            "the share link is {} KiB long; at most {} KiB is accepted",
            fragment.len() / 1024,
            MAX_FRAGMENT_CHARS / 1024
        )));
    }
    let compact: String = fragment
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let scenario = if let Some(data) = compact.strip_prefix(PREFIX) {
        let payload = inflate(&unbase64(data)?, DICTIONARY_V2.as_bytes())?;
        parse_payload(&payload)?
    } else if let Some(data) = compact.strip_prefix(PREFIX_V1) {
        let payload = inflate(&unbase64(data)?, DICTIONARY_V1.as_bytes())?;
        Scenario::from(parse_payload_v1(&payload)?)
    } else {
        return Err(prefix_error(&compact));
    };
    scenario.validate().map_err(|e| err(e.to_string()))?;
    Ok(scenario)
}

/// Whether `text` looks like a share link rather than JSON or a diagram: how the CLI and the
/// playground's paste box decide which decoder to try.
pub fn looks_like_link(text: &str) -> bool {
    let t = text.trim_start();
    t.contains('#') || version_prefix(t).is_some()
}

fn err(message: impl Into<String>) -> FormatError {
    FormatError(message.into())
}

/// The base64url data after the prefix, as bytes.
fn unbase64(data: &str) -> Result<Vec<u8>, FormatError> {
    let data = data.trim_end_matches('=');
    URL_SAFE_NO_PAD.decode(data).map_err(|e| {
        let at = |i: usize| i + 1 + PREFIX.len();
        err(match e {
            base64::DecodeError::InvalidByte(i, b) => format!(
                "damaged share link: character {} ({}) is not base64url",
                at(i),
                char::from(b).escape_default()
            ),
            base64::DecodeError::InvalidLastSymbol(i, _) => format!(
                "damaged share link: character {} does not end it properly; was it cut short?",
                at(i)
            ),
            _ => "damaged share link: its length is wrong; was it cut short?".to_string(),
        })
    })
}

/// The version of a `v<N>.` prefix, if `text` starts with one.
fn version_prefix(text: &str) -> Option<u64> {
    let rest = text.strip_prefix('v')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 || rest.as_bytes().get(digits) != Some(&b'.') {
        return None;
    }
    rest[..digits].parse().ok()
}

fn prefix_error(fragment: &str) -> FormatError {
    match version_prefix(fragment) {
        Some(v) if v > u64::from(crate::model::scenario::FORMAT_VERSION) => err(format!(
            "this link was made by a newer tlbrace (share format v{v}); this one opens links up to \
             v{}",
            crate::model::scenario::FORMAT_VERSION
        )),
        Some(v) => err(format!("unknown share format v{v}")),
        None if fragment.is_empty() => err("the share link is empty"),
        None => err(format!(
            "not a tlbrace share link: it should start with `{PREFIX}`"
        )),
    }
}

// ---------------------------------------------------------------------------------------------------
// Compression: raw DEFLATE with a preset dictionary.

/// Compresses `payload` against `dict`. miniz_oxide has no preset-dictionary call, so the dictionary
/// is compressed first and ended with a sync flush (which byte-aligns the stream); what follows is a
/// standalone raw DEFLATE stream whose back-references may reach into the dictionary.
fn deflate(payload: &[u8], dict: &[u8], fixed_huffman: bool) -> Vec<u8> {
    let mut flags = create_comp_flags_from_zip_params(10, -15, 0);
    if fixed_huffman {
        flags |= deflate_flags::TDEFL_FORCE_ALL_STATIC_BLOCKS;
    }
    let mut c = CompressorOxide::new(flags);
    let (status, _) = compress_to_output(&mut c, dict, TDEFLFlush::Sync, |_| true);
    debug_assert_eq!(status, TDEFLStatus::Okay);
    let mut out = Vec::new();
    let (status, _) = compress_to_output(&mut c, payload, TDEFLFlush::Finish, |bytes| {
        out.extend_from_slice(bytes);
        true
    });
    debug_assert_eq!(status, TDEFLStatus::Done);
    out
}

/// Inflates a raw DEFLATE stream whose window starts with `dict`, refusing to produce more than
/// [`MAX_PAYLOAD_BYTES`] and refusing anything after the final block.
fn inflate(compressed: &[u8], dict: &[u8]) -> Result<Vec<u8>, FormatError> {
    let limit = dict.len() + MAX_PAYLOAD_BYTES;
    let mut buf = vec![0u8; (dict.len() + 4096).min(limit)];
    buf[..dict.len()].copy_from_slice(dict);
    let mut out_pos = dict.len();
    let mut in_pos = 0;
    let mut state = DecompressorOxide::new();
    // The whole input is at hand, so "needs more input" means the link was cut short.
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    loop {
        let input = compressed.get(in_pos..).unwrap_or_default();
        let (status, read, written) = decompress(&mut state, input, &mut buf, out_pos, flags);
        in_pos += read;
        out_pos += written;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput => {
                if buf.len() >= limit {
                    return Err(err(format!(
                        "the share link unpacks to more than {} KiB; no scenario is that large",
                        MAX_PAYLOAD_BYTES / 1024
                    )));
                }
                let grown = (buf.len() * 2).min(limit);
                buf.resize(grown, 0);
            }
            TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                return Err(err(
                    "damaged share link: it ends too early; was it cut short?",
                ))
            }
            _ => return Err(err("damaged share link: the compressed data is corrupt")),
        }
    }
    if in_pos < compressed.len() {
        return Err(err(
            "damaged share link: there is data after the end of the scenario",
        ));
    }
    buf.truncate(out_pos);
    buf.drain(..dict.len());
    Ok(buf)
}

// ---------------------------------------------------------------------------------------------------
// Writing a version-2 payload.

/// FNV-1a, 32 bits: the payload's checksum. Not a defence against forgery (anyone can make a link),
/// only against damage in transit.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn payload(s: &Scenario) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + s.steps.len() * 2);
    out.push(s.cpus.min(255) as u8);
    put_opt_text(&mut out, s.title.as_deref());
    put_varint(&mut out, s.labels.len() as u64);
    for label in &s.labels {
        put_text(&mut out, label);
    }
    put_varint(&mut out, s.pages.len() as u64);
    for page in &s.pages {
        let tag = match (page.same_as, page.kind) {
            (Some(k), _) => 2 + k.min(253) as u8,
            (None, PageKind::File) => 0,
            (None, PageKind::Anon) => 1,
        };
        out.push(tag);
        let values = fields(Scope::Page).map(|f| (f, f.get_page(&page.initial)));
        put_fields(&mut out, values);
    }
    put_fields(
        &mut out,
        fields(Scope::Mm).map(|f| (f, f.get_mm(&s.initial))),
    );
    put_opt_text(&mut out, s.view.variant.as_deref());
    put_varint(&mut out, s.view.seen.len() as u64);
    for (k, v) in &s.view.seen {
        put_text(&mut out, k);
        put_text(&mut out, v);
    }
    put_varint(&mut out, s.steps.len() as u64);
    for step in &s.steps {
        out.push(step.action.def().code);
        let flags = step.cpu.min(7) as u8
            | (step.page.min(1) as u8) << 3
            | u8::from(step.note.is_some()) << 4;
        out.push(flags);
        if let Some(note) = &step.note {
            put_text(&mut out, note);
        }
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_be_bytes());
    out
}

/// Overrides of one scope: a presence mask (bit = share bit), then each present value in bit order: a
/// flag as one byte, a count as a varint, TLB entries as a count and one code each.
fn put_fields<'a>(
    out: &mut Vec<u8>,
    values: impl Iterator<Item = (&'a crate::model::initial::Field, Option<FieldValue>)>,
) {
    let values: Vec<_> = values.collect();
    let mask = values
        .iter()
        .filter(|(_, v)| v.is_some())
        .fold(0u64, |m, (f, _)| m | 1 << f.share_bit);
    put_varint(out, mask);
    for (_, value) in values {
        match value {
            None => {}
            Some(FieldValue::Flag(b)) => out.push(u8::from(b)),
            Some(FieldValue::Count(n)) => put_varint(out, u64::from(n)),
            Some(FieldValue::TlbEntries(tlb)) => {
                put_varint(out, tlb.len() as u64);
                out.extend(tlb.iter().map(|e| tlb_code(*e)));
            }
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let low = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn put_opt_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(t) => {
            put_varint(out, t.len() as u64 + 1);
            out.extend_from_slice(t.as_bytes());
        }
    }
}

fn tlb_code(entry: Option<TlbEntry>) -> u8 {
    match entry {
        None => 0,
        Some(e) => 1 + (u8::from(e.writable) << 1 | u8::from(e.dirty)),
    }
}

fn tlb_of_code(code: u8) -> Result<Option<TlbEntry>, FormatError> {
    match code {
        0 => Ok(None),
        c @ 1..=4 => Ok(Some(TlbEntry {
            writable: (c - 1) & 2 != 0,
            dirty: (c - 1) & 1 != 0,
            frame: 0,
        })),
        c => Err(err(format!(
            "damaged share link: TLB entry code {c} is not 0 to 4"
        ))),
    }
}

/// The action a step code stands for: each action declares its frozen code with its other names
/// (`model/actions/`); codes are never reused. `v1.` links know codes 0 to 16.
fn action_of_code(code: u8) -> Option<Action> {
    Action::ALL.into_iter().find(|a| a.def().code == code)
}

// ---------------------------------------------------------------------------------------------------
// Reading payloads.

/// A cursor over the payload whose every read says what it was reading when the bytes ran out.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self, what: &str) -> Result<u8, FormatError> {
        let b = self.bytes.get(self.pos).copied().ok_or_else(|| {
            err(format!(
                "damaged share link: the scenario data ends in the middle of {what}"
            ))
        })?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self, what: &str) -> Result<u64, FormatError> {
        let mut value = 0u64;
        for shift in (0..35).step_by(7) {
            let b = self.byte(what)?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return if value > u64::from(u32::MAX) {
                    Err(err(format!("damaged share link: {what} is out of range")))
                } else {
                    Ok(value)
                };
            }
        }
        Err(err(format!("damaged share link: {what} is out of range")))
    }

    fn bytes(&mut self, len: u64, what: &str) -> Result<&'a [u8], FormatError> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.pos.checked_add(l))
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                err(format!(
                    "damaged share link: the scenario data ends in the middle of {what}"
                ))
            })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn text_of_len(&mut self, len: u64, what: &str) -> Result<String, FormatError> {
        let bytes = self.bytes(len, what)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| err(format!("damaged share link: {what} is not valid UTF-8")))
    }

    fn text(&mut self, what: &str) -> Result<String, FormatError> {
        let len = self.varint(what)?;
        self.text_of_len(len, what)
    }

    fn opt_text(&mut self, what: &str) -> Result<Option<String>, FormatError> {
        match self.varint(what)? {
            0 => Ok(None),
            n => self.text_of_len(n - 1, what).map(Some),
        }
    }

    fn bool(&mut self, what: &str) -> Result<bool, FormatError> {
        match self.byte(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(err(format!(
                "damaged share link: {what} should be 0 or 1, not {b}"
            ))),
        }
    }
}

/// Reads a version-2 payload (docs/scenario-format.md §2.3).
pub fn parse_payload(bytes: &[u8]) -> Result<Scenario, FormatError> {
    let Some(split) = bytes.len().checked_sub(4) else {
        return Err(err(
            "damaged share link: it is too short to hold a scenario",
        ));
    };
    let (body, sum) = bytes.split_at(split);
    if checksum(body).to_be_bytes() != sum {
        return Err(err(
            "this link was damaged: its checksum does not match what it holds (a mail client or an \
             editor may have changed it); ask for the link again",
        ));
    }
    let mut r = Reader {
        bytes: body,
        pos: 0,
    };
    let cpus = usize::from(r.byte("the CPU count")?);
    if cpus == 0 || cpus > MAX_CPUS {
        return Err(err(format!(
            "a scenario has 1 to {MAX_CPUS} CPUs, not {cpus}"
        )));
    }
    let title = r.opt_text("the title")?;
    let label_count = r.varint("the lane labels")?;
    if label_count > cpus as u64 {
        return Err(err(format!("{label_count} lane labels for {cpus} CPUs")));
    }
    let labels = (0..label_count)
        .map(|i| r.text(&format!("lane label {}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let page_count = r.varint("the page count")?;
    if page_count == 0 || page_count > MAX_PAGES as u64 {
        return Err(err(format!(
            "a scenario maps 1 to {MAX_PAGES} pages, not {page_count}"
        )));
    }
    let mut pages = Vec::new();
    for i in 0..page_count {
        let what = format!("page {i}");
        let mut spec = match r.byte(&what)? {
            0 => PageSpec::new(PageKind::File),
            1 => PageSpec::new(PageKind::Anon),
            t => PageSpec {
                same_as: Some(usize::from(t - 2)),
                ..PageSpec::default()
            },
        };
        for (f, v) in read_fields(&mut r, Scope::Page, cpus)? {
            f.store_page(&mut spec.initial, Some(v));
        }
        pages.push(spec);
    }
    let mut initial = InitialState::default();
    for (f, v) in read_fields(&mut r, Scope::Mm, cpus)? {
        f.store_mm(&mut initial, Some(v));
    }
    let mut view = View {
        variant: r.opt_text("the view")?,
        ..View::default()
    };
    let seen = r.varint("the view")?;
    if seen > MAX_VIEW_ENTRIES as u64 {
        return Err(err("damaged share link: the view is too long"));
    }
    for _ in 0..seen {
        let k = r.text("the view")?;
        let v = r.text("the view")?;
        view.seen.insert(k, v);
    }
    let step_count = r.varint("the step count")?;
    if step_count > MAX_STEPS as u64 {
        return Err(err(format!(
            "a scenario has at most {MAX_STEPS} steps, not {step_count}"
        )));
    }
    let mut steps = Vec::with_capacity(step_count as usize);
    for i in 0..step_count as usize {
        let code = r.byte("the steps")?;
        let action = action_of_code(code).ok_or_else(|| {
            err(format!(
                "step {}: unknown action code {code}; was the link made by a newer tlbrace?",
                i + 1
            ))
        })?;
        let flags = r.byte("the steps")?;
        if flags >> 5 != 0 {
            return Err(err(format!(
                "damaged share link: step {} is malformed",
                i + 1
            )));
        }
        let note = if flags & 0x10 != 0 {
            Some(r.text(&format!("the note of step {}", i + 1))?)
        } else {
            None
        };
        steps.push(Step {
            cpu: usize::from(flags & 7),
            action,
            page: usize::from(flags >> 3 & 1),
            note,
        });
    }
    if r.pos != body.len() {
        return Err(err(
            "damaged share link: there are bytes after the last step",
        ));
    }
    Ok(Scenario {
        version: FORMAT_VERSION,
        title,
        cpus,
        labels,
        pages,
        initial,
        view,
        steps,
    })
}

/// The overrides of one scope, as [`put_fields`] writes them.
fn read_fields(
    r: &mut Reader<'_>,
    scope: Scope,
    cpus: usize,
) -> Result<Vec<(&'static crate::model::initial::Field, FieldValue)>, FormatError> {
    let what = "the initial state";
    let mask = r.varint(what)?;
    let known = fields(scope).count();
    if mask >> known != 0 {
        return Err(err(
            "damaged share link: the initial state names a field this release does not know",
        ));
    }
    let mut out = Vec::new();
    for f in fields(scope).filter(|f| mask & 1 << f.share_bit != 0) {
        let value = match f.kind {
            FieldKind::Flag => FieldValue::Flag(r.bool(what)?),
            // varint() caps values at u32::MAX.
            FieldKind::Count => FieldValue::Count(r.varint(what)? as u32),
            FieldKind::TlbEntries => {
                let k = r.varint("the initial TLB entries")?;
                if k > cpus as u64 {
                    return Err(err(format!(
                        "initial state: {k} TLB entries given but the scenario has {cpus} CPUs"
                    )));
                }
                let entries = (0..k)
                    .map(|_| tlb_of_code(r.byte("the initial TLB entries")?))
                    .collect::<Result<Vec<_>, _>>()?;
                FieldValue::TlbEntries(entries)
            }
        };
        out.push((f, value));
    }
    Ok(out)
}

/// Reads a version-1 payload (docs/scenario-format.md §4.2): frozen, model v1's one file page.
pub fn parse_payload_v1(bytes: &[u8]) -> Result<ScenarioV1, FormatError> {
    let mut r = Reader { bytes, pos: 0 };
    let cpus = usize::from(r.byte("the CPU count")?);
    if cpus == 0 || cpus > MAX_CPUS {
        return Err(err(format!(
            "a scenario has 1 to {MAX_CPUS} CPUs, not {cpus}"
        )));
    }
    let title = r.opt_text("the title")?;
    let label_count = r.varint("the lane labels")?;
    if label_count > cpus as u64 {
        return Err(err(format!("{label_count} lane labels for {cpus} CPUs")));
    }
    let labels = (0..label_count)
        .map(|i| r.text(&format!("lane label {}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let initial = parse_initial_v1(&mut r, cpus)?;
    let step_count = r.varint("the step count")?;
    if step_count > MAX_STEPS as u64 {
        return Err(err(format!(
            "a scenario has at most {MAX_STEPS} steps, not {step_count}"
        )));
    }
    let n = step_count as usize;
    let mut steps = Vec::with_capacity(n);
    for i in 0..n {
        let b = r.byte("the steps")?;
        let code = b & 0x1f;
        let action = action_of_code(code).filter(|_| code <= 16).ok_or_else(|| {
            err(format!(
                "step {}: unknown action code {code}; was the link made by a newer tlbrace?",
                i + 1
            ))
        })?;
        steps.push(StepV1 {
            cpu: usize::from(b >> 5),
            action,
            note: None,
        });
    }
    let bitmap = r.bytes(n.div_ceil(8) as u64, "the note flags")?;
    if !n.is_multiple_of(8) && bitmap.last().is_some_and(|b| b >> (n % 8) != 0) {
        return Err(err(
            "damaged share link: a note flag is set for a step that does not exist",
        ));
    }
    for (i, step) in steps.iter_mut().enumerate() {
        if bitmap[i / 8] & (1 << (i % 8)) != 0 {
            step.note = Some(r.text(&format!("the note of step {}", i + 1))?);
        }
    }
    if r.pos != bytes.len() {
        return Err(err(
            "damaged share link: there are bytes after the last note",
        ));
    }
    Ok(ScenarioV1 {
        version: 1,
        title,
        cpus,
        labels,
        initial,
        steps,
    })
}

/// Version 1's initial state: a presence mask over eleven fields in a frozen order (seven flags,
/// three counts, TLB entries), then the present values in that order.
fn parse_initial_v1(r: &mut Reader<'_>, cpus: usize) -> Result<InitialV1, FormatError> {
    let what = "the initial state";
    let mask = r.varint(what)?;
    if mask >> 11 != 0 {
        return Err(err(
            "damaged share link: the initial state names a field this release does not know",
        ));
    }
    let has = |i: u32| mask & 1 << i != 0;
    let flag = |i: u32, r: &mut Reader<'_>| -> Result<Option<bool>, FormatError> {
        if has(i) {
            r.bool(what).map(Some)
        } else {
            Ok(None)
        }
    };
    let mut init = InitialV1 {
        present: flag(0, r)?,
        write: flag(1, r)?,
        dirty: flag(2, r)?,
        young: flag(3, r)?,
        soft_dirty: flag(4, r)?,
        pg_dirty: flag(5, r)?,
        in_page_cache: flag(6, r)?,
        ..InitialV1::default()
    };
    let count = |i: u32, r: &mut Reader<'_>| -> Result<Option<u32>, FormatError> {
        if has(i) {
            // varint() caps values at u32::MAX.
            r.varint(what).map(|v| Some(v as u32))
        } else {
            Ok(None)
        }
    };
    init.mem = count(7, r)?;
    init.disk = count(8, r)?;
    init.tlb_flush_pending = count(9, r)?;
    if has(10) {
        let k = r.varint("the initial TLB entries")?;
        if k > cpus as u64 {
            return Err(err(format!(
                "initial state: {k} TLB entries given but the scenario has {cpus} CPUs"
            )));
        }
        let entries = (0..k)
            .map(|_| {
                tlb_of_code(r.byte("the initial TLB entries")?).map(|e| {
                    e.map(|e| TlbEntryV1 {
                        writable: e.writable,
                        dirty: e.dirty,
                    })
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        init.tlb = Some(entries);
    }
    Ok(init)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::EXAMPLES;

    #[test]
    fn fragment_lengths_of_the_examples() {
        for e in EXAMPLES {
            let s = e.scenario();
            let f = encode(&s);
            println!("{:<24} {:>4} characters  #{f}", e.name, f.len());
            assert_eq!(decode(&f).unwrap(), s, "{}", e.name);
        }
        let one = encode(&crate::examples::example("example-1").unwrap());
        assert!(one.len() <= 160, "example-1 needs {} characters", one.len());
    }

    #[test]
    fn accepts_hash_url_and_wrapped_links() {
        let s = crate::examples::example("example-2b").unwrap();
        let f = encode(&s);
        assert_eq!(decode(&format!("#{f}")).unwrap(), s);
        assert_eq!(
            decode(&format!("https://example.invalid/tlbrace/?x=1#{f}")).unwrap(),
            s
        );
        let (a, b) = f.split_at(f.len() / 2);
        assert_eq!(decode(&format!("  {a}\n   {b}\n")).unwrap(), s);
        assert!(looks_like_link(&f));
        assert!(!looks_like_link("{\"version\":1}"));
        assert!(!looks_like_link("  CPU0        CPU1"));
    }

    #[test]
    fn bad_links_give_messages() {
        let good = encode(&crate::examples::example("example-1").unwrap());
        let cut = &good[..good.len() - 10];
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            ("#".into(), "empty"),
            ("hello".into(), "should start with `v2.`"),
            ("v3.AAAA".into(), "newer tlbrace"),
            ("v0.AAAA".into(), "unknown share format v0"),
            ("v2.AA*A".into(), "character 6"),
            (cut.to_string(), "cut short"),
            (format!("{good}AAAA"), "after the end"),
            ("v2.".into(), "cut short"),
        ];
        for (text, want) in cases {
            let e = decode(&text).unwrap_err().0;
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    fn link_of_payload(payload: &[u8]) -> String {
        let mut p = payload.to_vec();
        p.extend_from_slice(&checksum(payload).to_be_bytes());
        format!(
            "{PREFIX}{}",
            URL_SAFE_NO_PAD.encode(deflate(&p, DICTIONARY_V2.as_bytes(), false))
        )
    }

    #[test]
    fn limits_are_checked_with_clear_messages() {
        // cpus, title, labels, pages (1: file, no overrides), mm mask, view (none, 0), steps.
        let e = decode(&link_of_payload(&[9, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
            .unwrap_err()
            .0;
        assert!(e.contains("1 to 8 CPUs, not 9"), "{e}");
        let e = decode(&link_of_payload(&[1, 0, 0, 3, 0, 0, 0, 0, 0, 0]))
            .unwrap_err()
            .0;
        assert!(e.contains("1 to 2 pages, not 3"), "{e}");
        // 257 steps: varint 257 = 0x81 0x02.
        let e = decode(&link_of_payload(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0x81, 0x02]))
            .unwrap_err()
            .0;
        assert!(e.contains("at most 256 steps, not 257"), "{e}");
        let e = decode(&link_of_payload(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 200, 0]))
            .unwrap_err()
            .0;
        assert!(e.contains("unknown action code 200"), "{e}");
        let e = decode(&link_of_payload(&[2, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 2]))
            .unwrap_err()
            .0;
        assert!(e.contains("CPU2"), "{e}");
        let e = decode(&link_of_payload(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]))
            .unwrap_err()
            .0;
        assert!(e.contains("bytes after"), "{e}");
    }

    #[test]
    fn a_damaged_link_is_refused_as_damaged() {
        let s = crate::examples::example("example-1").unwrap();
        let mut payload = payload(&s);
        // A mail client changing one character of a note: still inflates, still parses.
        let i = payload.iter().rposition(|&b| b == b'e').unwrap();
        payload[i] = b'E';
        let link = format!(
            "{PREFIX}{}",
            URL_SAFE_NO_PAD.encode(deflate(&payload, DICTIONARY_V2.as_bytes(), false))
        );
        let e = decode(&link).unwrap_err().0;
        assert!(e.contains("this link was damaged"), "{e}");
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        let bomb = vec![0u8; MAX_PAYLOAD_BYTES + 10];
        let e = decode(&link_of_payload(&bomb)).unwrap_err().0;
        assert!(e.contains("more than 1024 KiB"), "{e}");
    }

    #[test]
    fn action_codes_are_frozen_and_distinct() {
        // Version 1's codes, written out once more on purpose: links already shared depend on them.
        let frozen = [
            "cache_pte_in_tlb",
            "write_to_page",
            "inc_tlb_flush_pending",
            "clean_record_pte",
            "pte_mkclean",
            "flush_tlb_range",
            "dec_tlb_flush_pending",
            "tlb_gather_mmu",
            "clear_refs_write",
            "pte_wrprotect",
            "pte_mkold",
            "tlb_finish_mmu",
            "page_mkclean_one",
            "write_page_to_disk",
            "drop_clean_page",
            "flush_tlb_mm",
            "local_flush_tlb_page",
        ];
        for (code, id) in frozen.iter().enumerate() {
            assert_eq!(
                action_of_code(code as u8).map(Action::id),
                Some(*id),
                "code {code}"
            );
        }
        for a in Action::ALL {
            let code = a.def().code;
            let same = Action::ALL.iter().filter(|b| b.def().code == code);
            assert_eq!(same.count(), 1, "{a:?}: code {code} is taken twice");
        }
    }

    #[test]
    fn everything_survives_a_round_trip() {
        use crate::model::initial::{FieldValue, FIELDS};
        let mut s = Scenario::new(8);
        s.title = Some(String::new());
        s.labels = vec!["α".into(), String::new(), "page writeback".into()];
        let mut first = PageSpec::new(PageKind::Anon);
        for f in &FIELDS {
            let v = match f.kind {
                FieldKind::Flag => FieldValue::Flag(f.default == 0),
                FieldKind::Count => FieldValue::Count(f.default + 7),
                FieldKind::TlbEntries => FieldValue::TlbEntries(vec![
                    None,
                    TlbEntry::from_code("wd").unwrap(),
                    TlbEntry::from_code("d").unwrap(),
                ]),
            };
            f.set_page(&mut first.initial, Some(v.clone()));
            f.set_mm(&mut s.initial, Some(v));
        }
        first.initial.present = Some(false);
        first.initial.write = Some(false);
        first.initial.dirty = Some(false);
        first.initial.tlb = None;
        first.initial.in_page_cache = None;
        s.pages = vec![
            first,
            PageSpec {
                same_as: Some(0),
                ..PageSpec::default()
            },
        ];
        s.view.variant = Some("v5.12@arm64".into());
        s.view.seen.insert("v5.12".into(), "lost".into());
        for (i, a) in Action::ALL.into_iter().enumerate() {
            let mut st = Step::new(i % 8, a);
            if a.def().per_page {
                st.page = i % 2;
            }
            if i % 3 == 0 {
                st.note = Some(format!("note {i} — ünïcødé ✓"));
            }
            if i == 4 {
                st.note = Some(String::new());
            }
            s.steps.push(st);
        }
        let back = decode(&encode(&s));
        assert_eq!(back.as_ref().map_err(|e| &e.0), Ok(&s));
    }
}
