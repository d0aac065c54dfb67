//! The caret snippet shared by [`ParseError`](crate::ParseError) and
//! [`CompileError`](crate::CompileError) (regex-syntax's `error::Formatter`
//! idea: one renderer, several error types), and the helpers their messages
//! use: [`column_of`] and [`truncate`].
//!
//! A [`Snippet`] is rendered once into lines; `{:#}` writes them under the
//! one-line message ([`Snippet::write_under`]) and the errors' `snippet()`
//! accessors return the same lines as plain text ([`Snippet::into_text`]), so
//! an HTTP body never has to take the rendered message apart.

use std::fmt::{self, Write};

use crate::ast::Span;

/// 1-based character column of byte `offset` in `input` (on its own line).
pub(crate) fn column_of(input: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(input, offset);
    let line_start = input[..offset].rfind('\n').map_or(0, |i| i + 1);
    input[line_start..offset].chars().count() + 1
}

/// 1-based line number of byte `offset` in `input`.
fn line_of(input: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(input, offset);
    input[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Truncates user text echoed in a message to about 40 characters.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// How many characters of context the snippet shows on each side of the span
/// before eliding with `…` (long filters are up to 64 KiB).
const CONTEXT_CHARS: usize = 60;

/// The indent of single-line input and its carets in `{:#}` (regex's style).
const INDENT: &str = "    ";

/// The lines an error shows under its one-line message in `{:#}`: the input
/// with carets under the span, then an optional `help:` line.
///
/// Single-line input is shown with carets under it, both indented by 4
/// spaces in `{:#}` (regex's style). Input with newlines shows
/// `line L, column C` and a gutter with the line number (toml_edit's style).
/// There is always at least one caret, also at end of input. Control
/// characters are shown as `␉`-style pictures so the carets stay aligned.
/// Without input (a compile error that was not given its text) only the
/// `help:` line is left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snippet {
    lines: Vec<Line>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    /// Whether `{:#}` indents the line by [`INDENT`].
    indented: bool,
    text: String,
}

impl Snippet {
    /// Renders `input` with carets under `span`, then `help`.
    pub(crate) fn render(input: Option<&str>, span: Span, help: Option<&str>) -> Snippet {
        let mut lines = match input {
            Some(input) => caret_lines(input, span),
            None => Vec::new(),
        };
        if let Some(help) = help {
            lines.push(Line {
                indented: false,
                text: format!("help: {help}"),
            });
        }
        Snippet { lines }
    }

    /// Writes the lines as `{:#}` shows them after the message: each on a new
    /// line, single-line input and its carets indented by 4 spaces.
    pub(crate) fn write_under(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            f.write_char('\n')?;
            if line.indented {
                f.write_str(INDENT)?;
            }
            f.write_str(&line.text)?;
        }
        Ok(())
    }

    /// The lines joined with `\n`, without the indent of `{:#}` (what an HTTP
    /// error body puts in `snippet`); empty when there is nothing to show.
    pub(crate) fn into_text(self) -> String {
        let texts: Vec<String> = self.lines.into_iter().map(|l| l.text).collect();
        texts.join("\n")
    }
}

/// The input line that holds the span, with carets under it.
fn caret_lines(input: &str, span: Span) -> Vec<Line> {
    let start = floor_char_boundary(input, span.start);
    let end = floor_char_boundary(input, span.end.max(start));
    let line_start = input[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = input[start..].find('\n').map_or(input.len(), |i| start + i);
    let line = &input[line_start..line_end];
    let col_chars = input[line_start..start].chars().count();
    let span_chars = input[start..end.min(line_end)].chars().count().max(1);

    // Window the line around the span.
    let chars: Vec<char> = line.chars().collect();
    let from = col_chars.saturating_sub(CONTEXT_CHARS);
    let to = (col_chars + span_chars + CONTEXT_CHARS).min(chars.len());
    let mut shown = String::new();
    let mut caret_pad = col_chars - from;
    if from > 0 {
        shown.push('…');
        caret_pad += 1;
    }
    shown.extend(chars[from..to].iter().map(|&c| visible(c)));
    if to < chars.len() {
        shown.push('…');
    }
    let carets = "^".repeat(span_chars.min(to.saturating_sub(col_chars).max(1)));

    if input.contains('\n') {
        let line_no = line_of(input, start);
        let gutter = line_no.to_string();
        let blank = " ".repeat(gutter.len());
        let plain = |text: String| Line {
            indented: false,
            text,
        };
        vec![
            plain(format!("  --> line {line_no}, column {}", col_chars + 1)),
            plain(format!("{blank} |")),
            plain(format!("{gutter} | {shown}")),
            plain(format!("{blank} | {:caret_pad$}{carets}", "")),
        ]
    } else {
        let indented = |text: String| Line {
            indented: true,
            text,
        };
        vec![
            indented(shown),
            indented(format!("{:caret_pad$}{carets}", "")),
        ]
    }
}

/// A printable stand-in for control characters, one column wide.
fn visible(c: char) -> char {
    match c {
        '\t' => '␉',
        '\r' => '␍',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
        '\u{7f}' => '␡',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{:#}`'s tail, as the errors write it.
    struct Under<'a>(&'a str, Span, Option<&'a str>);
    impl fmt::Display for Under<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            Snippet::render(Some(self.0), self.1, self.2).write_under(f)
        }
    }

    fn text(input: Option<&str>, span: Span, help: Option<&str>) -> String {
        Snippet::render(input, span, help).into_text()
    }

    #[test]
    fn caret_at_end_of_input() {
        let s = Under("a==1;", Span::new(5, 5), None).to_string();
        assert_eq!(s, "\n    a==1;\n         ^");
        assert_eq!(text(Some("a==1;"), Span::new(5, 5), None), "a==1;\n     ^");
    }

    #[test]
    fn carets_cover_span_in_chars() {
        let help = Some("did you mean `=ge=`?");
        let s = Under("né=gte=1", Span::new(3, 8), help).to_string();
        assert_eq!(s, "\n    né=gte=1\n      ^^^^^\nhelp: did you mean `=ge=`?");
        assert_eq!(
            text(Some("né=gte=1"), Span::new(3, 8), help),
            "né=gte=1\n  ^^^^^\nhelp: did you mean `=ge=`?"
        );
    }

    #[test]
    fn multiline_uses_gutter() {
        let s = Under("a==1;\nb=~2", Span::new(7, 8), None).to_string();
        assert_eq!(s, "\n  --> line 2, column 2\n  |\n2 | b=~2\n  |  ^");
        assert_eq!(
            text(Some("a==1;\nb=~2"), Span::new(7, 8), None),
            "  --> line 2, column 2\n  |\n2 | b=~2\n  |  ^"
        );
    }

    #[test]
    fn without_input_only_help_is_left() {
        assert_eq!(text(None, Span::new(3, 4), Some("x")), "help: x");
        assert_eq!(text(None, Span::new(3, 4), None), "");
    }

    #[test]
    fn long_lines_are_windowed() {
        let input = format!("{}==x;b=~1", "a".repeat(200));
        let s = Under(&input, Span::new(206, 207), None).to_string();
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[1].starts_with("    …"));
        let caret_col = lines[2].find('^').unwrap_or(0);
        assert_eq!(lines[1].chars().nth(caret_col), Some('~'));
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(column_of("né=x", 3), 3);
        assert_eq!(column_of("a\nbc", 3), 2);
        assert_eq!(line_of("a\nbc", 3), 2);
    }
}
