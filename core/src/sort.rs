//! One sort for core: the orderings core needs are sorts by a `u64` key, and they all come here.
//!
//! Why not `sort_by_key` at each call site: the standard library's sorts are generic over the element
//! and the comparison, so each call site on a new type or closure links its own copy of the stable or
//! unstable sort (about 3–4 KB of wasm each). Eleven sites in the playground's wasm cost 43 KB before
//! compression (twiggy, 2026-12-05); sorting `(key, index)` pairs here links one copy, which the
//! callers share. The pairs also make the order stable (ties keep their input order). Left out: the
//! diagram reader's name table, sorted once by its strings (a string is no `u64`), and the explorer's
//! per-state renumbering of versions, which counts instead of sorting (no allocation on its hot path).

/// Sorts `items` by `key`, ties in input order.
pub(crate) fn sort_by_key<T>(items: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    let mut order: Vec<(u64, usize)> = items.iter().enumerate().map(|(i, x)| (key(x), i)).collect();
    order.sort_unstable();
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|(_, i)| slots[i].take()));
}

/// Two parts as one key, `major` first; each must be below 2^32 (positions in inputs capped at 1 MiB,
/// counts, lengths).
pub(crate) fn pair(major: usize, minor: usize) -> u64 {
    ((major as u64) << 32) | (minor as u64 & 0xffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort.
        #[test]
        fn matches_the_standard_stable_sort(v in proptest::collection::vec((0u64..8, any::<u8>()), 0..64)) {
            let mut ours = v.clone();
            sort_by_key(&mut ours, |x| x.0);
            let mut std = v;
            std.sort_by_key(|x| x.0);
            prop_assert_eq!(ours, std);
        }

        #[test]
        fn pairs_order_as_tuples(a in 0usize..1 << 20, b in 0usize..1 << 20, c in 0usize..1 << 20, d in 0usize..1 << 20) {
            prop_assert_eq!(pair(a, b).cmp(&pair(c, d)), (a, b).cmp(&(c, d)));
        }
    }
}
