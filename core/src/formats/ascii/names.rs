//! Reading a diagram's words: which action a line names (by id, label, alias, phrase, or a kernel
//! function call with its arguments), which functions belong to another step's kernel path, which
//! lines are remarks, and the nearest actions to a line that names none. The words themselves are
//! data: the action rows (`model/actions/*.rs`) and [`super::phrases`].

use std::collections::HashMap;
use std::sync::OnceLock;

use super::phrases::{Helper, COMMENTARY, HELPERS, PHRASES, WEAK};
use crate::model::action::Action;

/// How a line named its action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// The action's diagram label (`pte_mkclean()`, `Write to page`), in any case.
    Label,
    /// The action's identifier (`write_to_page`).
    Id,
    /// One of the action's aliases (`userfaultfd_writeprotect()`, `madvise(MADV_DONTNEED)`).
    Alias,
    /// A phrase of [`super::phrases::PHRASES`] (`load TLB entry`, `user writes using cached RW PTE`).
    Phrase,
    /// A phrase of [`super::phrases::WEAK`]: a step only until a kernel function of it follows.
    Weak,
}

impl How {
    /// The action's own name: the label or the id. Other words are kept as the step's note.
    pub fn exact(self) -> bool {
        matches!(self, How::Label | How::Id)
    }
}

/// An action a text names, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named {
    /// The action.
    pub action: Action,
    /// How the text named it.
    pub how: How,
}

/// The words of `text` as every table is compared: lower case, `_` and `-` as spaces, runs of spaces
/// as one, none around `(`, `)`, `,` and `/`, without surrounding brackets, a `()` or a trailing
/// `.;:!,`, and without the articles `the`, `a`, `an`.
pub fn key(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_prefix('[').unwrap_or(t);
    let t = t.strip_suffix(']').unwrap_or(t);
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for c in t.chars() {
        let c = match c {
            '_' | '-' => ' ',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        let tight = matches!(c, '(' | ')' | ',' | '/');
        if space && !tight && !out.ends_with(['(', ',', '/']) {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    loop {
        let before = out.len();
        while out.ends_with(['.', ';', ':', '!', ',', ' ']) {
            out.pop();
        }
        if out.ends_with("()") {
            out.truncate(out.len() - 2);
        }
        if out.len() == before {
            break;
        }
    }
    if out.split(' ').any(|w| matches!(w, "the" | "a" | "an")) {
        out = out
            .split(' ')
            .filter(|w| !matches!(*w, "the" | "a" | "an"))
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

struct Tables {
    names: HashMap<String, Named>,
    helpers: HashMap<String, &'static Helper>,
    commentary: HashMap<String, ()>,
    /// Every name with its action, for suggestions: (key, bigram bloom, action).
    candidates: Vec<(String, u128, Action)>,
}

fn action_by_id(id: &str) -> Action {
    match Action::ALL.iter().find(|a| a.id() == id) {
        Some(a) => *a,
        None => panic!("phrases.rs names an unknown action id `{id}`"),
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut names: HashMap<String, Named> = HashMap::new();
        let mut add = |text: &str, action: Action, how: How| {
            let k = key(text);
            if !k.is_empty() {
                names.entry(k).or_insert(Named { action, how });
            }
        };
        for (id, phrases) in WEAK {
            for p in *phrases {
                add(p, action_by_id(id), How::Weak);
            }
        }
        for a in Action::ALL {
            add(a.label(), a, How::Label);
            add(a.id(), a, How::Id);
        }
        for a in Action::ALL {
            for alias in a.def().aliases {
                add(alias, a, How::Alias);
            }
        }
        for (id, phrases) in PHRASES {
            for p in *phrases {
                add(p, action_by_id(id), How::Phrase);
            }
        }
        let mut helpers = HashMap::new();
        for h in HELPERS {
            for n in h.names {
                helpers.entry(key(n)).or_insert(h);
            }
        }
        let commentary = COMMENTARY.iter().map(|c| (key(c), ())).collect();
        let mut candidates: Vec<(String, u128, Action)> = names
            .iter()
            .filter(|(_, n)| n.how != How::Weak)
            .map(|(k, n)| (k.clone(), bloom(k), n.action))
            .collect();
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        Tables {
            names,
            helpers,
            commentary,
            candidates,
        }
    })
}

/// The keywords that open a statement, not a call: `if (x)` is a condition.
const KEYWORDS: &[&str] = &[
    "if", "while", "for", "switch", "return", "else", "sizeof", "do",
];

/// A function call as diagrams write it: `name(args)`, possibly ending in `;`. Returns the name and
/// the arguments' text.
pub fn call(text: &str) -> Option<(&str, &str)> {
    let t = text.trim().trim_end_matches(';').trim_end();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(t.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    let name = &t[..end];
    let rest = t[end..].trim_start();
    let args = rest.strip_prefix('(')?.strip_suffix(')')?;
    if KEYWORDS.contains(&name) {
        return None;
    }
    Some((name, args))
}

/// A bare function name (`pte_mkclean`, `pte_mkclean()`) or a call's name: what the helper table
/// is looked up by.
fn function_name(text: &str) -> Option<&str> {
    if let Some((name, _)) = call(text) {
        return Some(name);
    }
    let t = text.trim();
    let ident = !t.is_empty()
        && t.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        && t.chars().any(|c| c == '_');
    ident.then_some(t)
}

/// The action `text` names, if any: its whole text; for a call, `name(CONSTANT)` for each
/// upper-case argument (`madvise(thread_stack, 8M, MADV_DONTNEED)` is `madvise(MADV_DONTNEED)`),
/// then the function's name alone.
pub fn name_action(text: &str) -> Option<Named> {
    let t = tables();
    let k = key(text);
    if let Some(n) = t.names.get(&k) {
        return Some(*n);
    }
    let (name, args) = call(text)?;
    for arg in args.split(',').map(str::trim) {
        let constant = arg.chars().any(|c| c.is_ascii_uppercase())
            && arg
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if constant {
            if let Some(n) = t.names.get(&key(&format!("{name}({arg})"))) {
                return Some(*n);
            }
        }
    }
    let n = t.names.get(&key(name))?;
    Some(Named {
        action: n.action,
        how: if n.how == How::Weak {
            How::Weak
        } else {
            How::Alias
        },
    })
}

/// The helper `text` calls, if it is one of [`HELPERS`].
pub fn helper(text: &str) -> Option<&'static Helper> {
    let name = function_name(text)?;
    tables().helpers.get(&key(name)).copied()
}

/// Whether `helper` is part of `action`'s path.
pub fn helper_within(helper: &Helper, action: Action) -> bool {
    helper.within.is_empty() || helper.within.contains(&action.id())
}

/// Whether the importer reads a step of `next` right under a step of `prev` on one lane (no blank
/// line between) as part of `prev`'s path, not as a step of its own: what [`super::export`] must
/// separate with a blank line.
pub fn absorbs(prev: Action, next: Action) -> bool {
    helper(next.label()).is_some_and(|h| helper_within(h, prev))
}

/// Whether a label is a helper that reaches past blank lines: the exporter could not keep it apart.
#[cfg(test)]
pub fn reaches_past_blank_lines(a: Action) -> bool {
    helper(a.label()).is_some_and(|h| h.reach == super::phrases::Reach::Lane)
}

/// Whether `text` is a remark of [`COMMENTARY`].
pub fn is_commentary(text: &str) -> bool {
    tables().commentary.contains_key(&key(text))
}

/// Whether `text` is a test or an assignment (`!pte_dirty() && !pte_write()`, `if (x)`,
/// `tlb->freed_tables = 1`): the variant decides those.
pub fn is_condition(text: &str) -> bool {
    let t = text.trim();
    let first = t.split([' ', '(']).next().unwrap_or("");
    matches!(first, "if" | "while" | "else" | "return")
        || t.contains(['!', '&', '|', '=', '<', '>'])
}

/// A 128-bit set of the bigrams of `text`: similar names share most bits.
fn bloom(text: &str) -> u128 {
    let mut bits = 0u128;
    let mut prev = ' ';
    for c in text.chars().chain(std::iter::once(' ')) {
        let h =
            (u32::from(prev).wrapping_mul(31).wrapping_add(u32::from(c))).wrapping_mul(2654435761);
        bits |= 1u128 << (h >> 25);
        prev = c;
    }
    bits
}

fn bigrams(text: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = std::iter::once(' ')
        .chain(text.chars())
        .chain(std::iter::once(' '))
        .collect();
    let mut out: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    crate::sort::sort_by_key(&mut out, |&(a, b)| {
        crate::sort::pair(a as usize, b as usize)
    });
    out
}

/// Sørensen–Dice similarity of two sorted bigram lists, from 0 to 1.
fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// How many suggestions an unmapped line gets.
pub const SUGGESTIONS: usize = 3;

/// The longest part of a line compared for suggestions, in characters: a name is shorter.
pub const SUGGEST_CHARS: usize = 48;

/// The actions whose names (ids, labels, aliases, phrases) are nearest to `text`, best first: what
/// the importer offers for a line it cannot map. Linear in the number of names; only the first
/// [`SUGGEST_CHARS`] characters of the text count.
pub fn suggest(text: &str) -> Vec<Action> {
    let t = tables();
    let mut k = key(text);
    if let Some((i, _)) = k.char_indices().nth(SUGGEST_CHARS) {
        k.truncate(i);
    }
    // For a call, the function's name is what to compare.
    if let Some(name) = function_name(text) {
        k = key(name);
    }
    let b = bloom(&k);
    let mut scored: Vec<(u32, usize)> = t
        .candidates
        .iter()
        .enumerate()
        .map(|(i, (_, cb, _))| {
            let common = (b & cb).count_ones() * 2000;
            (common / (b.count_ones() + cb.count_ones()).max(1), i)
        })
        .collect();
    // Best first; the key breaks ties by position, as the standard sorts would.
    crate::sort::sort_by_key(&mut scored, |&(s, _)| u64::from(u32::MAX - s));
    let mine = bigrams(&k);
    let prefix = |c: &str| {
        let n = k.chars().zip(c.chars()).take_while(|(a, b)| a == b).count();
        (n.min(8) as f64) / 16.0
    };
    let mut refined: Vec<(f64, usize)> = scored
        .iter()
        .take(64)
        .map(|&(_, i)| {
            let c = &t.candidates[i].0;
            (dice(&mine, &bigrams(c)) + prefix(c), i)
        })
        .collect();
    // Best first, ties in candidate order: put them in candidate order, then sort by score (the sort
    // keeps ties in place). The scores are never negative, and a non-negative float's bits order as
    // it does.
    crate::sort::sort_by_key(&mut refined, |&(_, i)| i as u64);
    crate::sort::sort_by_key(&mut refined, |&(s, _)| u64::MAX - s.to_bits());
    let mut out: Vec<Action> = Vec::new();
    for (_, i) in refined
        .iter()
        .map(|&(s, i)| (s, i))
        .chain(scored.iter().map(|&(s, i)| (f64::from(s), i)))
    {
        let a = t.candidates[i].2;
        if !out.contains(&a) {
            out.push(a);
        }
        if out.len() == SUGGESTIONS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_underscores_articles_and_calls() {
        assert_eq!(key("pte_mkclean()"), "pte mkclean");
        assert_eq!(key("Write to page"), "write to page");
        assert_eq!(key("mprotect(addr, PROT_READ)"), "mprotect(addr,prot read)");
        assert_eq!(key("[ PTE now cached in TLB ]"), "pte now cached in tlb");
        assert_eq!(
            key("write the same value on page."),
            "write same value on page"
        );
        assert_eq!(key("__oom_reap_task_mm()"), "oom reap task mm");
        assert_eq!(key("read/write old page"), "read/write old page");
    }

    #[test]
    fn every_table_names_known_actions() {
        let t = tables();
        assert!(t.names.len() > Action::ALL.len() * 3);
        for h in HELPERS {
            for id in h.within {
                action_by_id(id);
            }
        }
    }

    #[test]
    fn the_usual_phrasing_names_actions() {
        for (text, want) in [
            ("user writes using cached RW PTE", Action::WriteToPage),
            ("load TLB entry", Action::CachePteInTlb),
            ("read/write old page", Action::WriteToPage),
            ("write to page", Action::WriteToPage),
            ("fault on entry", Action::DoNumaPage),
            ("flush TLB", Action::FlushTlbRange),
            ("mprotect(addr, PROT_READ)", Action::Mprotect),
            ("madvise(MADV_DONTNEED)", Action::ZapPteRange),
            (
                "madvise(thread_stack, 8M, MADV_DONTNEED)",
                Action::ZapPteRange,
            ),
            ("migrate_vma_collect_pmd()", Action::MigrateVmaCollectPmd),
            ("userfaultfd_writeprotect()", Action::MwriteprotectRange),
            ("should_defer_flush", Action::TryToUnmapOne),
            ("munmap(map_address)", Action::ZapPteRange),
            (
                "inc_tlb_flush_pending(tlb->mm);",
                Action::IncTlbFlushPending,
            ),
        ] {
            assert_eq!(name_action(text).map(|n| n.action), Some(want), "{text}");
        }
        assert_eq!(
            name_action("[ page-fault ]").map(|n| n.how),
            Some(How::Weak)
        );
        assert_eq!(name_action("lose data"), None);
        assert!(is_commentary("lose data"));
        assert!(helper("mmap_read_lock()").is_some());
        assert!(helper("change_pte_range()").is_some());
        assert!(helper("pte_frobnicate()").is_none());
    }

    #[test]
    fn no_label_reaches_past_a_blank_line() {
        for a in Action::ALL {
            assert!(!reaches_past_blank_lines(a), "{a:?}");
        }
    }

    #[test]
    fn suggestions_are_near() {
        assert_eq!(suggest("pte_mkclaen()")[0], Action::PteMkclean);
        assert_eq!(suggest("madvise_frob()").len(), SUGGESTIONS);
        assert!(suggest("user stores through the cached RW PTE").contains(&Action::WriteToPage));
        assert_eq!(suggest("").len(), SUGGESTIONS);
    }

    #[test]
    fn calls_are_recognized() {
        assert_eq!(call("foo(bar);"), Some(("foo", "bar")));
        assert_eq!(call("if (x)"), None);
        assert_eq!(call("foo"), None);
        assert_eq!(call("4 > clear_refs"), None);
    }
}
