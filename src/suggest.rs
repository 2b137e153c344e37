//! "Did you mean": the known names closest to a name someone typed (a scenario, a profile), by
//! edit distance, so a typo is answered with the right name instead of a list to read through.

/// The edit (Levenshtein) distance between two strings, in characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // One row of the table at a time: the previous row is all the next one needs.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The known names closest to `typed` (ignoring case), at most three: those at the smallest edit
/// distance, if that is within a third of its length (at least two); else those that contain it
/// or that it contains, closest first. Empty when nothing is close enough to be worth suggesting.
pub(crate) fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return Vec::new();
    }
    let known: Vec<&str> = known.into_iter().collect();
    let limit = (typed.chars().count() / 3).max(2);
    let mut near: Vec<(usize, &str)> = known
        .iter()
        .map(|name| (distance(&typed, &name.to_lowercase()), *name))
        .filter(|(d, _)| *d <= limit)
        .collect();
    // A typo has one answer: the others within reach are other names, not what was meant.
    if let Some(best) = near.iter().map(|(d, _)| *d).min() {
        near.retain(|(d, _)| *d == best);
    }
    if near.is_empty() {
        // A part of the name (`healthy`, `workspace`): the names it is part of.
        near = known
            .iter()
            .filter(|name| {
                let name = name.to_lowercase();
                name.contains(&typed) || (typed.contains(&name) && name.chars().count() >= 3)
            })
            .map(|name| (distance(&typed, &name.to_lowercase()), *name))
            .collect();
    }
    near.sort();
    near.into_iter().take(3).map(|(_, name)| name).collect()
}

/// The end of a sentence naming something unknown: `; did you mean a?`, `; did you mean a, b or
/// c?`, or just `.` when there is nothing to suggest.
pub(crate) fn did_you_mean(names: &[impl AsRef<str>]) -> String {
    match names {
        [] => ".".to_owned(),
        [one] => format!("; did you mean {}?", one.as_ref()),
        [init @ .., last] => format!(
            "; did you mean {} or {}?",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, d) in [
            ("", "", 0),
            ("abc", "", 3),
            ("", "abc", 3),
            ("kitten", "sitting", 3),
            ("flaw", "lawn", 2),
            ("tenant-not-found", "tenant-not-fuond", 2),
            ("contoso", "contoso", 0),
            ("contoso", "contosso", 1),
            ("gcchigh", "gcc-high", 1),
            ("héllo", "hello", 1),
        ] {
            assert_eq!(distance(a, b), d, "{a} / {b}");
            assert_eq!(distance(b, a), d, "{b} / {a} (symmetric)");
        }
    }

    #[test]
    fn the_closest_names_are_suggested() {
        let known = [
            "healthy",
            "healthy-azure-cli",
            "healthy-device-code",
            "tenant-not-found",
            "tenant-mismatch",
            "wrong-cloud",
        ];
        let cases: &[(&str, &[&str])] = &[
            ("tenant-not-fuond", &["tenant-not-found"]),
            ("Tenant-Not-Found", &["tenant-not-found"]),
            // The closest only, not everything within reach.
            ("tenant-mismatc", &["tenant-mismatch"]),
            ("wrong-clod", &["wrong-cloud"]),
            ("healthy-azcli", &["healthy-azure-cli"]),
            // Part of a name: the names it is part of, closest first, three at most.
            ("device-code", &["healthy-device-code"]),
            ("tenant", &["tenant-mismatch", "tenant-not-found"]),
            ("xyz", &[]),
            ("", &[]),
        ];
        for (typed, want) in cases {
            assert_eq!(closest(typed, known), *want, "{typed}");
        }
    }

    #[test]
    fn suggestions_read_as_a_sentence() {
        let none: [&str; 0] = [];
        assert_eq!(did_you_mean(&none), ".");
        assert_eq!(did_you_mean(&["a"]), "; did you mean a?");
        assert_eq!(did_you_mean(&["a", "b"]), "; did you mean a or b?");
        assert_eq!(did_you_mean(&["a", "b", "c"]), "; did you mean a, b or c?");
    }
}
