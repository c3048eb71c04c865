//! How zoomap words a problem with a user's file: one line, naming the file, so that a
//! skipped image, a bad row or a refused file reads the same everywhere and fits a log line.

/// A message from a library (a decoder, a parser) as one line: such messages can span lines
/// and repeat their cause, and every error zoomap reports about a user's file is one line.
pub fn one_line(reason: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in reason
        .split([':', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(": ")
}

/// `text` safe to print on a terminal: every control character (escape sequences that would
/// clear the screen or rewrite earlier lines, carriage returns, bells, line breaks) shown as
/// its `\u{…}` escape. File names, CSV values and cluster names reach the terminal only
/// through this.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `text` line by line on standard output, each line made [`printable`].
pub fn print_lines(text: &str) {
    for line in text.lines() {
        println!("{}", printable(line));
    }
}

/// The first `n` names of a list, comma-separated, with "…" when there are more: how a
/// warning or an error lists what it is about without listing a million of them.
pub fn first_few(names: &[String], n: usize) -> String {
    let shown = names[..names.len().min(n)].join(", ");
    if names.len() > n {
        format!("{shown}, …")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent_to_the_terminal() {
        assert_eq!(
            printable("a\u{1b}[2Jb\rc\u{7}.jpg"),
            "a\\u{1b}[2Jb\\u{d}c\\u{7}.jpg"
        );
        assert_eq!(printable("ü 日本.jpg"), "ü 日本.jpg");
    }
}
