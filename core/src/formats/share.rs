//! Share links: a whole scenario (title, lane labels, initial overrides, steps and notes) in a URL
//! fragment short enough to paste into a chat line or a commit message.
//!
//! A fragment is `v1.` followed by base64url (no padding) of a raw DEFLATE stream (RFC 1951) whose
//! preset dictionary is [`DICTIONARY_V1`]; the stream inflates to the compact binary payload that
//! `docs/scenario-format.md` specifies byte by byte. JSON would be simpler, but it costs four times the
//! bytes per step and the seed's Example 1 would not fit in a 160-character fragment; the dictionary
//! holds the model's vocabulary, so the notes people write about these races compress to a few bytes.
//!
//! Version 1 of this encoding is frozen: its prefix, payload layout, action codes and dictionary
//! never change meaning. A different encoding gets a new prefix (`v2.`) and a decoder of its own,
//! and this one stays so that every link ever shared keeps opening.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, deflate_flags, CompressorOxide,
    TDEFLFlush, TDEFLStatus,
};
use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use crate::formats::json::FormatError;
use crate::model::action::Action;
use crate::model::initial::{FieldKind, FieldValue, InitialState, FIELDS};
use crate::model::scenario::{Scenario, Step, FORMAT_VERSION, MAX_STEPS};
use crate::model::state::{TlbEntry, MAX_CPUS};

/// What every version-1 fragment starts with; the version lives here rather than in the payload so
/// that a decoder can tell "newer release" from "damaged link" before touching the data.
pub const PREFIX: &str = "v1.";

/// The longest fragment accepted, in characters: far beyond any real scenario's link, small enough
/// that a hostile one cannot make the decoder allocate much.
pub const MAX_FRAGMENT_CHARS: usize = 2 << 20;

/// The largest payload the decoder inflates, in bytes. Every valid scenario's payload is smaller
/// (256 notes of 500 four-byte characters come to about 520 KB); the cap is what bounds memory when a
/// crafted link is a decompression bomb.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// The preset dictionary of version 1, frozen forever: the words and phrases these diagrams are made
/// of, most likely last (DEFLATE reaches recent bytes with shorter distance codes). Its bytes are
/// also written out in `docs/scenario-format.md` and a test keeps the two identical.
pub const DICTIONARY_V1: &str = concat!(
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
);

/// Encodes a scenario as a share-link fragment (without the `#`).
///
/// The scenario should pass [`Scenario::validate`]; an invalid one is written as far as the format can
/// say it (a step CPU above 7 is clamped to 7) and its link then fails to decode with the validation
/// message, or opens a different scenario. Encoding never fails and never panics.
pub fn encode(scenario: &Scenario) -> String {
    let payload = payload(scenario);
    let a = deflate(&payload, false);
    let b = deflate(&payload, true);
    // Both are valid DEFLATE; the fixed-Huffman one wins for short scenarios, where a dynamic block's
    // code tables would cost more than they save.
    let best = if b.len() <= a.len() { b } else { a };
    let mut out = String::with_capacity(PREFIX.len() + best.len() * 4 / 3 + 4);
    out.push_str(PREFIX);
    URL_SAFE_NO_PAD.encode_string(&best, &mut out);
    out
}

/// Opens a share link: a bare fragment, a fragment with its `#`, or a whole URL. Whitespace anywhere
/// is ignored (mail clients wrap long links). Every failure is a message fit for the user.
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
    let data = match compact.strip_prefix(PREFIX) {
        Some(rest) => rest,
        None => return Err(prefix_error(&compact)),
    };
    let data = data.trim_end_matches('=');
    let compressed = URL_SAFE_NO_PAD.decode(data).map_err(|e| {
        let at = |i: usize| i + 1 + PREFIX.len();
        err(match e {
            base64::DecodeError::InvalidByte(i, b) => format!(
                "damaged share link: character {} ({}) is not base64url",
                at(i),
                char::from(b).escape_default()
            ),
            base64::DecodeError::InvalidLastSymbol(i, _) => {
                format!(
                    "damaged share link: character {} does not end it properly; was it cut short?",
                    at(i)
                )
            }
            _ => "damaged share link: its length is wrong; was it cut short?".to_string(),
        })
    })?;
    let payload = inflate(&compressed)?;
    let scenario = parse_payload(&payload)?;
    scenario.validate().map_err(|e| err(e.to_string()))?;
    Ok(scenario)
}

/// Whether `text` looks like a share link rather than JSON or a diagram: how the CLI and the
/// playground's paste box decide which decoder to try.
pub fn looks_like_link(text: &str) -> bool {
    let t = text.trim_start();
    t.contains('#') || t.starts_with(PREFIX) || version_prefix(t).is_some()
}

fn err(message: impl Into<String>) -> FormatError {
    FormatError(message.into())
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
        Some(v) if v > 1 => err(format!(
            "this link was made by a newer tlbrace (share format v{v}); this one opens v1 links"
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

/// Compresses `payload` against the dictionary. miniz_oxide has no preset-dictionary call, so the
/// dictionary is compressed first and ended with a sync flush (which byte-aligns the stream); what
/// follows is a standalone raw DEFLATE stream whose back-references may reach into the dictionary.
fn deflate(payload: &[u8], fixed_huffman: bool) -> Vec<u8> {
    let mut flags = create_comp_flags_from_zip_params(10, -15, 0);
    if fixed_huffman {
        flags |= deflate_flags::TDEFL_FORCE_ALL_STATIC_BLOCKS;
    }
    let mut c = CompressorOxide::new(flags);
    let (status, _) =
        compress_to_output(&mut c, DICTIONARY_V1.as_bytes(), TDEFLFlush::Sync, |_| true);
    debug_assert_eq!(status, TDEFLStatus::Okay);
    let mut out = Vec::new();
    let (status, _) = compress_to_output(&mut c, payload, TDEFLFlush::Finish, |bytes| {
        out.extend_from_slice(bytes);
        true
    });
    debug_assert_eq!(status, TDEFLStatus::Done);
    out
}

/// Inflates a raw DEFLATE stream whose window starts with the dictionary, refusing to produce more
/// than [`MAX_PAYLOAD_BYTES`] and refusing anything after the final block.
fn inflate(compressed: &[u8]) -> Result<Vec<u8>, FormatError> {
    let dict = DICTIONARY_V1.as_bytes();
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
// The payload.

fn payload(s: &Scenario) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + s.steps.len() * 2);
    out.push(s.cpus.min(255) as u8);
    put_opt_text(&mut out, s.title.as_deref());
    put_varint(&mut out, s.labels.len() as u64);
    for label in &s.labels {
        put_text(&mut out, label);
    }
    put_initial(&mut out, &s.initial);
    put_varint(&mut out, s.steps.len() as u64);
    for step in &s.steps {
        let code = step.action.def().share_code;
        out.push((step.cpu.min(7) as u8) << 5 | code);
    }
    let mut bitmap = vec![0u8; s.steps.len().div_ceil(8)];
    for (i, step) in s.steps.iter().enumerate() {
        if step.note.is_some() {
            bitmap[i / 8] |= 1 << (i % 8);
        }
    }
    out.extend_from_slice(&bitmap);
    for note in s.steps.iter().filter_map(|st| st.note.as_deref()) {
        put_text(&mut out, note);
    }
    out
}

/// The action a `v1.` step code stands for: each action declares its frozen code with its other names
/// (`model/actions/`); codes go up to 31 and are never reused.
fn action_of_code(code: usize) -> Option<Action> {
    Action::ALL
        .into_iter()
        .find(|a| usize::from(a.def().share_code) == code)
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

/// The initial state: a presence mask (bit i: the field with share bit i, [`FIELDS`]), then each
/// present value in bit order: a flag as one byte, a count as a varint, TLB entries as a count and
/// one code each.
fn put_initial(out: &mut Vec<u8>, init: &InitialState) {
    let values: Vec<Option<FieldValue>> = FIELDS.iter().map(|f| (f.get)(init)).collect();
    let mask = FIELDS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_some())
        .fold(0u64, |m, (f, _)| m | 1 << f.share_bit);
    put_varint(out, mask);
    for value in values.into_iter().flatten() {
        match value {
            FieldValue::Flag(b) => out.push(u8::from(b)),
            FieldValue::Count(n) => put_varint(out, u64::from(n)),
            FieldValue::TlbEntries(tlb) => {
                put_varint(out, tlb.len() as u64);
                out.extend(tlb.iter().map(|e| tlb_code(*e)));
            }
        }
    }
}

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

fn parse_payload(bytes: &[u8]) -> Result<Scenario, FormatError> {
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
    let initial = parse_initial(&mut r, cpus)?;
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
        let code = usize::from(b & 0x1f);
        let action = action_of_code(code).ok_or_else(|| {
            err(format!(
                "step {}: unknown action code {code}; was the link made by a newer tlbrace?",
                i + 1
            ))
        })?;
        steps.push(Step::new(usize::from(b >> 5), action));
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
    Ok(Scenario {
        version: FORMAT_VERSION,
        title,
        cpus,
        labels,
        initial,
        steps,
    })
}

fn parse_initial(r: &mut Reader<'_>, cpus: usize) -> Result<InitialState, FormatError> {
    let mask = r.varint("the initial state")?;
    if mask >> FIELDS.len() != 0 {
        return Err(err(
            "damaged share link: the initial state names a field this release does not know",
        ));
    }
    let mut init = InitialState::default();
    for f in FIELDS.iter().filter(|f| mask & 1 << f.share_bit != 0) {
        let value = match f.kind {
            FieldKind::Flag => FieldValue::Flag(r.bool("the initial state")?),
            // varint() caps values at u32::MAX.
            FieldKind::Count => FieldValue::Count(r.varint("the initial state")? as u32),
            FieldKind::TlbEntries => FieldValue::TlbEntries(parse_tlb(r, cpus)?),
        };
        (f.set)(&mut init, Some(value));
    }
    Ok(init)
}

fn parse_tlb(r: &mut Reader<'_>, cpus: usize) -> Result<Vec<Option<TlbEntry>>, FormatError> {
    let k = r.varint("the initial TLB entries")?;
    if k > cpus as u64 {
        return Err(err(format!(
            "initial state: {k} TLB entries given but the scenario has {cpus} CPUs"
        )));
    }
    (0..k)
        .map(|_| match r.byte("the initial TLB entries")? {
            0 => Ok(None),
            c @ 1..=4 => Ok(Some(TlbEntry {
                writable: (c - 1) & 2 != 0,
                dirty: (c - 1) & 1 != 0,
            })),
            c => Err(err(format!(
                "damaged share link: TLB entry code {c} is not 0 to 4"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::EXAMPLES;

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
                action_of_code(code).map(Action::id),
                Some(*id),
                "code {code}"
            );
        }
        for a in Action::ALL {
            let code = a.def().share_code;
            assert!(code < 32, "{a:?}: code {code} does not fit in 5 bits");
            let same = Action::ALL.iter().filter(|b| b.def().share_code == code);
            assert_eq!(same.count(), 1, "{a:?}: code {code} is taken twice");
        }
    }

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
            ("hello".into(), "should start with `v1.`"),
            ("v2.AAAA".into(), "newer tlbrace"),
            ("v0.AAAA".into(), "unknown share format v0"),
            ("v1.AA*A".into(), "character 6"),
            (cut.to_string(), "cut short"),
            (format!("{good}AAAA"), "after the end"),
            ("v1.".into(), "cut short"),
        ];
        for (text, want) in cases {
            let e = decode(&text).unwrap_err().0;
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    fn link_of_payload(payload: &[u8]) -> String {
        format!(
            "{PREFIX}{}",
            URL_SAFE_NO_PAD.encode(deflate(payload, false))
        )
    }

    #[test]
    fn limits_are_checked_with_clear_messages() {
        let e = decode(&link_of_payload(&[9, 0, 0, 0, 0])).unwrap_err().0;
        assert!(e.contains("1 to 8 CPUs, not 9"), "{e}");
        let e = decode(&link_of_payload(&[0])).unwrap_err().0;
        assert!(e.contains("not 0"), "{e}");
        // 257 steps: varint 257 = 0x81 0x02.
        let e = decode(&link_of_payload(&[1, 0, 0, 0, 0x81, 0x02]))
            .unwrap_err()
            .0;
        assert!(e.contains("at most 256 steps, not 257"), "{e}");
        let e = decode(&link_of_payload(&[1, 0, 0, 0, 1, 0x1f, 0]))
            .unwrap_err()
            .0;
        assert!(e.contains("unknown action code 31"), "{e}");
        let e = decode(&link_of_payload(&[2, 0, 0, 0, 1, 0x40, 0]))
            .unwrap_err()
            .0;
        assert!(e.contains("CPU2"), "{e}");
        let e = decode(&link_of_payload(&[1, 0, 0, 0, 0, 0])).unwrap_err().0;
        assert!(e.contains("bytes after"), "{e}");
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        let bomb = vec![0u8; MAX_PAYLOAD_BYTES + 10];
        let e = decode(&link_of_payload(&bomb)).unwrap_err().0;
        assert!(e.contains("more than 1024 KiB"), "{e}");
    }

    #[test]
    fn everything_survives_a_round_trip() {
        let mut s = Scenario::new(8);
        s.title = Some(String::new());
        s.labels = vec!["α".into(), String::new(), "page writeback".into()];
        s.initial = InitialState {
            present: Some(true),
            write: Some(false),
            dirty: Some(false),
            young: Some(false),
            soft_dirty: Some(false),
            pg_dirty: Some(false),
            in_page_cache: Some(true),
            mem: Some(u32::MAX),
            disk: Some(3),
            tlb_flush_pending: Some(2),
            tlb: Some(vec![
                None,
                Some(TlbEntry {
                    writable: true,
                    dirty: true,
                }),
                Some(TlbEntry {
                    writable: false,
                    dirty: true,
                }),
            ]),
        };
        for (i, a) in Action::ALL.into_iter().enumerate() {
            let mut st = Step::new(i % 8, a);
            if i % 3 == 0 {
                st.note = Some(format!("note {i} — ünïcødé ✓"));
            }
            if i == 4 {
                st.note = Some(String::new());
            }
            s.steps.push(st);
        }
        assert_eq!(decode(&encode(&s)).unwrap(), s);
    }
}
