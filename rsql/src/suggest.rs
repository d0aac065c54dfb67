//! "Did you mean …?": the nearest known name to a misspelt one, by edit
//! distance. Used for operators, selectors, schema fields and enum values;
//! it knows nothing of errors, which only carry the suggestion it returns.

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a plausible typo (at most a third of the name's length, min 1, max 3).
///
/// The distance is the optimal string alignment (restricted Damerau-Levenshtein)
/// distance: an insertion, a deletion, a substitution or a swap of two
/// neighbouring characters each cost 1, so `nmae` is one edit from `name`.
/// Ties go to the earlier candidate.
pub(crate) fn nearest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let name: Vec<char> = name.chars().collect();
    candidates
        .into_iter()
        .filter_map(|c| Some((osa_within(&name, c, limit)?, c)))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance between `a` and `b`, in characters.
#[cfg(test)]
fn osa_distance(a: &[char], b: &str) -> usize {
    let most = a.len().max(b.chars().count());
    osa_within(a, b, most).unwrap_or(most)
}

/// The optimal string alignment distance between `a` and `b` if it is at
/// most `limit`. Only the cells within `limit` of the diagonal are filled
/// (Ukkonen's band: a path through any other cell costs more than `limit`),
/// so a long name costs `O(len × limit)`, not `O(len²)`: an unknown
/// selector of 60 000 characters, whose candidates share its tail, is
/// answered at once.
fn osa_within(a: &[char], b: &str, limit: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > limit {
        return None;
    }
    // Cells outside the band hold `far`; three rows: i-2, i-1 and i.
    let far = limit + 1;
    let mut before: Vec<usize> = vec![far; m + 1];
    let mut prev: Vec<usize> = (0..=m).map(|j| if j <= limit { j } else { far }).collect();
    let mut cur = vec![far; m + 1];
    for i in 1..=n {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(m);
        // The cells just left and right of the band, which the next rows read.
        if let Some(left) = cur.get_mut(lo - 1) {
            *left = if lo == 1 && i <= limit { i } else { far };
        }
        if let Some(right) = cur.get_mut(hi + 1) {
            *right = far;
        }
        let ca = a[i - 1];
        for j in lo..=hi {
            let cb = b[j - 1];
            let cost = usize::from(ca != cb);
            let mut d = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && ca == b[j - 2] && a[i - 2] == cb {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d.min(far);
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[m]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_name() {
        assert_eq!(nearest("=gte=", ["=ge=", "=gt=", "=in="]), Some("=ge="));
        assert_eq!(nearest("zzzzzz", ["=ge="]), None);
    }

    #[test]
    fn nearest_counts_a_swap_as_one_edit() {
        assert_eq!(nearest("nmae", ["name", "type"]), Some("name"));
        assert_eq!(
            nearest("conversation.nmae", ["conversation.name"]),
            Some("conversation.name")
        );
        assert_eq!(nearest("=gt=", ["=tg="]), Some("=tg="));
        // ties go to the first candidate; too far is no suggestion
        assert_eq!(nearest("ab", ["ax", "ay"]), Some("ax"));
        assert_eq!(nearest("abc", ["xyz"]), None);
    }

    /// The whole table: what the band must agree with.
    fn reference(a: &[char], b: &[char]) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        d[0] = (0..=b.len()).collect();
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[i - 1][j - 1] + cost)
                    .min(d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[a.len()][b.len()]
    }

    proptest::proptest! {
        #[test]
        fn the_band_agrees_with_the_whole_table(
            a in "[abé]{0,9}",
            b in "[abé]{0,9}",
            limit in 0usize..5,
        ) {
            let a: Vec<char> = a.chars().collect();
            let full = reference(&a, &b.chars().collect::<Vec<_>>());
            let want = (full <= limit).then_some(full);
            proptest::prop_assert_eq!(osa_within(&a, &b, limit), want);
        }
    }

    #[test]
    fn a_long_name_is_compared_within_the_band() {
        // 60 000 characters against a candidate sharing its tail: the band
        // holds 7 cells a row, where the whole table held 3.6 × 10⁹.
        let tail = "a".repeat(60_000);
        let name: Vec<char> = format!("x.{tail}").chars().collect();
        assert_eq!(osa_within(&name, &format!("y.{tail}"), 3), Some(1));
        assert_eq!(osa_within(&name, &format!("yz{tail}"), 1), None);
    }

    #[test]
    fn osa_distances() {
        let d = |a: &str, b: &str| osa_distance(&a.chars().collect::<Vec<_>>(), b);
        assert_eq!(d("", ""), 0);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("ab", "ba"), 1);
        assert_eq!(d("ca", "abc"), 3, "OSA, not unrestricted Damerau");
        assert_eq!(d("éa", "aé"), 1);
        assert_eq!(d("startTme", "startTime"), 1);
    }
}
