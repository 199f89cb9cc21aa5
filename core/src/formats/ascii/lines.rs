//! A diagram's text as lines of cells: quote prefixes removed, tabs expanded to 8-column stops,
//! each line split into cells at runs of two or more spaces, every column kept with the column it
//! had as written (for messages).

use crate::formats::json::FormatError;

/// A run of text on one line, between runs of two or more spaces.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Column after quote removal and tab expansion, from 0.
    pub col: usize,
    /// Column in the line as written, from 1, for messages.
    pub orig: usize,
    /// The text.
    pub text: String,
}

impl Cell {
    /// The column just after the cell.
    pub fn end(&self) -> usize {
        self.col + self.text.chars().count()
    }
}

/// One line of the input.
#[derive(Clone, Debug)]
pub struct Line {
    /// From 1.
    pub no: usize,
    /// How many `>` quote it.
    pub depth: usize,
    /// Its cells, left to right.
    pub cells: Vec<Cell>,
    /// The text after quote removal, trimmed, for titles and `initial:`.
    pub content: String,
    /// Column (from 1) where `content` starts in the line as written.
    pub content_orig: usize,
}

impl Line {
    /// Whether it holds nothing but its quote prefix and whitespace.
    pub fn blank(&self) -> bool {
        self.cells.is_empty()
    }
}

/// Splits `text` into lines, refusing more than `max` bytes.
pub fn prepare(text: &str, max: usize) -> Result<Vec<Line>, FormatError> {
    if text.len() > max {
        return Err(FormatError(format!(
            "the text is {} KiB; a diagram import reads at most {} KiB",
            text.len() / 1024,
            max / 1024
        )));
    }
    Ok(text
        .split('\n')
        .enumerate()
        .map(|(i, raw)| split_line(i + 1, raw.strip_suffix('\r').unwrap_or(raw)))
        .collect())
}

/// One line: its quote prefix (`>` each optionally followed by one space) counted and removed, tabs
/// expanded relative to the end of the prefix, cells split at runs of two or more spaces.
pub fn split_line(no: usize, raw: &str) -> Line {
    let chars: Vec<char> = raw.chars().collect();
    let mut pos = 0;
    let mut depth = 0;
    while chars.get(pos) == Some(&'>') {
        depth += 1;
        pos += 1;
        if chars.get(pos) == Some(&' ') {
            pos += 1;
        }
    }
    let mut expanded: Vec<(char, usize)> = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate().skip(pos) {
        if c == '\t' {
            let n = 8 - expanded.len() % 8;
            expanded.extend(std::iter::repeat_n((' ', i + 1), n));
        } else if c.is_whitespace() {
            // No-break spaces and other blanks separate as a space does.
            expanded.push((' ', i + 1));
        } else {
            expanded.push((c, i + 1));
        }
    }
    let mut cells = Vec::new();
    let mut i = 0;
    while i < expanded.len() {
        if expanded[i].0 == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while i < expanded.len() {
            if expanded[i].0 == ' ' {
                if expanded.get(i + 1).is_none_or(|c| c.0 == ' ') {
                    break;
                }
            } else {
                end = i + 1;
            }
            i += 1;
        }
        let text: String = expanded[start..end].iter().map(|c| c.0).collect();
        cells.push(Cell {
            col: start,
            orig: expanded[start].1,
            text,
        });
    }
    let content: String = expanded.iter().map(|c| c.0).collect();
    let content_orig = cells.first().map_or(pos + 1, |c| c.orig);
    Line {
        no,
        depth,
        cells,
        content: content.trim().to_string(),
        content_orig,
    }
}

/// Whitespace runs become one space; the ends are trimmed.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Appends a wrapped line's text: with a space, or with none after a hyphen that ends a word part.
pub fn append(acc: &mut String, piece: &str) {
    let piece = piece.trim();
    if piece.is_empty() {
        return;
    }
    if !acc.is_empty() && !ends_with_word_hyphen(acc) {
        acc.push(' ');
    }
    acc.push_str(piece);
}

/// Whether a text ends with a hyphen that follows a letter or digit (`write-`).
pub fn ends_with_word_hyphen(text: &str) -> bool {
    let mut rev = text.chars().rev();
    rev.next() == Some('-') && rev.next().is_some_and(word_char)
}

/// Whether `c` can end the word before a hyphen (`re-`, `café-`): a letter or digit, in any script.
pub fn word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// `line L, column C: message`.
pub fn at(line: usize, col: usize, message: impl std::fmt::Display) -> FormatError {
    FormatError(format!("line {line}, column {col}: {message}"))
}
