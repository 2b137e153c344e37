//! Lays the human report out to a width with hanging indents. Words are never broken, so a URL,
//! a command or an id longer than the line keeps a line of its own rather than losing characters
//! to a line break. Styles (ANSI escapes) take no columns.

/// The width used when the terminal's is unknown.
pub const DEFAULT_WIDTH: usize = 80;

/// Below this, indents would leave no room for words.
const MIN_WIDTH: usize = 40;

/// Writes `text` as a paragraph: the first line starts with `first` (styled or not), the next ones
/// with `indent` spaces. A line break in `text` starts a new line at the indent.
pub fn paragraph(out: &mut String, first: &str, indent: usize, text: &str, width: usize) {
    let width = width.max(MIN_WIDTH);
    let mut column = visible_width(first);
    out.push_str(first);
    let mut line_has_words = false;
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            new_line(out, indent);
            column = indent;
            line_has_words = false;
        }
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let w = visible_width(word);
            if line_has_words && column + 1 + w > width {
                new_line(out, indent);
                column = indent;
                line_has_words = false;
            }
            if line_has_words {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += w;
            line_has_words = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
}

fn new_line(out: &mut String, indent: usize) {
    // No trailing space before the break.
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Columns `text` takes on a terminal: characters outside ANSI escape sequences.
pub fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters … final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else if !is_zero_width(c) {
            width += 1;
        }
    }
    width
}

/// Characters a terminal draws in no column: the zero-width space that breaks CI commands and
/// combining marks.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{0300}'..='\u{036f}' | '\u{fe0f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid_out(first: &str, indent: usize, text: &str, width: usize) -> String {
        let mut out = String::new();
        paragraph(&mut out, first, indent, text, width);
        out
    }

    #[test]
    fn breaks_between_words_with_a_hanging_indent() {
        let text = "the read-only admin API refused the call: HTTP 401 PowerBINotAuthorizedException, which a tenant setting explains";
        let out = laid_out("[✗] Admin API: ", 4, text, 48);
        for line in out.lines() {
            assert!(visible_width(line) <= 48, "{line:?} is too long");
        }
        assert!(out.lines().skip(1).all(|l| l.starts_with("    ")));
        // Every word is still there, in order.
        let words: Vec<&str> = out.split_whitespace().collect();
        let whole = format!("[✗] Admin API: {text}");
        let expected: Vec<&str> = whole.split_whitespace().collect();
        assert_eq!(words, expected);
    }

    #[test]
    fn a_url_longer_than_the_line_is_never_broken() {
        let url = "https://learn.microsoft.com/en-us/fabric/admin/service-admin-portal-developer#service-principals-can-use-fabric-apis";
        let out = laid_out("    Docs: ", 6, &format!("see {url} for the switch"), 60);
        assert!(out.lines().any(|l| l.trim() == url), "{out}");
        assert!(out.contains(url));
    }

    #[test]
    fn styles_take_no_columns() {
        let styled = "\u{1b}[1m\u{1b}[31mAdmin API\u{1b}[0m";
        assert_eq!(visible_width(styled), "Admin API".len());
    }

    #[test]
    fn a_line_break_in_the_text_keeps_the_indent() {
        let out = laid_out("  • body: ", 4, "first line\nsecond line", 80);
        assert_eq!(out, "  • body: first line\n    second line\n");
    }

    #[test]
    fn a_tiny_width_is_raised_to_the_minimum() {
        let out = laid_out("", 2, "one two three four five six seven eight nine ten", 5);
        assert!(out.lines().all(|l| visible_width(l) <= MIN_WIDTH));
        assert_eq!(out.lines().count(), 2);
    }
}
