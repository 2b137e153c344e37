//! Plain words for numbers, lists and times, written once so every line a person reads counts,
//! lists and tells time the same way: "1 workspace" and "3 workspaces" (never "workspace(s)"),
//! "a, b and c", and one unit per duration ("59 minutes", never "3599 s" beside it).

/// `n` and the noun that goes with it: `count(1, "workspace", "workspaces")` is "1 workspace".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Items joined as a person lists them: "a", "a and b", "a, b and c".
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// A length of time in the one unit that reads best: "45 seconds", "59 minutes", "3 hours",
/// "12 days", "27 years". Rounded to the nearest unit; the thresholds keep small counts in the
/// smaller unit ("80 minutes", not "1 hour").
pub fn duration(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const YEAR: u64 = 365 * DAY;
    // Saturating: a server's Retry-After may be any number, 2^64-1 included.
    let rounded = |unit: u64| seconds.saturating_add(unit / 2) / unit;
    if seconds < 90 {
        count(seconds, "second", "seconds")
    } else if seconds < 90 * MINUTE {
        count(rounded(MINUTE), "minute", "minutes")
    } else if seconds < 36 * HOUR {
        count(rounded(HOUR), "hour", "hours")
    } else if seconds < 2 * YEAR {
        count(rounded(DAY), "day", "days")
    } else {
        count(rounded(YEAR), "year", "years")
    }
}

/// "in 14 minutes" / "14 minutes ago", for a difference in seconds (positive = future).
pub fn relative(delta: i64) -> String {
    let words = duration(delta.unsigned_abs());
    if delta >= 0 {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// An instant (seconds since the epoch) as the report writes one: "2026-11-20 10:09:03Z".
pub fn timestamp(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| epoch.to_string())
}

/// An instant and how far it is from `now`: "2026-11-20 10:09:03Z (in 55 minutes)".
pub fn moment(epoch: i64, now: i64) -> String {
    format!(
        "{} ({})",
        timestamp(epoch),
        relative(epoch.saturating_sub(now))
    )
}

/// A `Retry-After` value as received, with the wait in words when it is a number of seconds
/// ("3600 (wait 60 minutes)"); an HTTP date is shown as it is.
pub fn retry_after(value: &str) -> String {
    match value.trim().parse::<u64>() {
        Ok(seconds) => format!("{} (wait {})", value.trim(), duration(seconds)),
        Err(_) => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(0, "workspace", "workspaces"), "0 workspaces");
        assert_eq!(count(1, "workspace", "workspaces"), "1 workspace");
        assert_eq!(count(3, "workspace", "workspaces"), "3 workspaces");
    }

    #[test]
    fn lists_read_as_a_person_writes_them() {
        assert_eq!(list::<&str>(&[]), "");
        assert_eq!(list(&["a"]), "a");
        assert_eq!(list(&["a", "b"]), "a and b");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn durations_use_one_unit_and_agree_in_number() {
        for (seconds, words) in [
            (0, "0 seconds"),
            (1, "1 second"),
            (45, "45 seconds"),
            (89, "89 seconds"),
            (90, "2 minutes"),
            (3599, "60 minutes"),
            (55 * 60, "55 minutes"),
            (3 * 3600, "3 hours"),
            (3 * 86_400, "3 days"),
            (36_500 * 86_400, "100 years"),
            (u64::MAX, "584942417355 years"),
        ] {
            assert_eq!(duration(seconds), words, "{seconds}");
        }
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(-14 * 60), "14 minutes ago");
        assert_eq!(relative(45), "in 45 seconds");
        assert_eq!(relative(3 * 3600), "in 3 hours");
        assert_eq!(relative(-3 * 86_400), "3 days ago");
        assert_eq!(relative(-9822 * 86_400), "27 years ago");
        assert_eq!(relative(i64::MIN), "292471208678 years ago");
    }

    #[test]
    fn moments_are_absolute_and_relative() {
        assert_eq!(timestamp(1_795_166_043), "2026-11-20 09:14:03Z");
        assert_eq!(
            moment(1_795_166_043 + 3300, 1_795_166_043),
            "2026-11-20 10:09:03Z (in 55 minutes)"
        );
    }

    #[test]
    fn retry_after_says_how_long_to_wait() {
        assert_eq!(retry_after("3600"), "3600 (wait 60 minutes)");
        assert_eq!(
            retry_after("Fri, 20 Nov 2026 10:14:03 GMT"),
            "Fri, 20 Nov 2026 10:14:03 GMT"
        );
    }
}
