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
