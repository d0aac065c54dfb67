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
        .map(|c| (osa_distance(&name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance between `a` and `b`, in characters.
fn osa_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // three rows of the DP table: i-2, i-1 and i
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && ca == b[j - 1] && a[i - 1] == cb {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
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
