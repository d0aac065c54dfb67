//! The umbrella [`Error`] and the caret snippet renderer shared by
//! [`ParseError`] and [`CompileError`] (regex-syntax's `error::Formatter` idea:
//! one formatter, several error types).

use std::fmt;

use crate::ast::Span;
use crate::compile_error::CompileError;
use crate::parse_error::ParseError;

/// Anything wrong with a filter: a parse (syntax, limit or policy) error or a
/// schema compile error. Both keep the span of the token they blame, so an
/// HTTP layer can answer 400 with a caret snippet for either.
///
/// Mistakes in the code that sets things up are separate types, not
/// variants of this one: [`SchemaError`](crate::SchemaError) (from
/// [`SchemaBuilder::build`](crate::SchemaBuilder::build)),
/// [`OperatorError`](crate::OperatorError) (from
/// [`Operators::register`](crate::Operators::register)) and
/// [`EmitError`](crate::EmitError) (a field without a SQL mapping).
///
/// ```
/// fn check(s: &str) -> Result<(), rsql::Error> {
///     rsql::parse(s)?;
///     Ok(())
/// }
/// let err = check("a==1;").unwrap_err();
/// assert!(matches!(err, rsql::Error::Parse(_)));
/// assert_eq!(err.span().start, 5);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The filter text is not valid RSQL, breaks a limit or the policy.
    Parse(ParseError),
    /// The filter is valid RSQL but does not fit the schema.
    Compile(CompileError),
}

impl Error {
    /// The span of the offending input.
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a=~1").unwrap_err().into();
    /// assert_eq!(err.span().start, 1);
    /// ```
    pub fn span(&self) -> Span {
        match self {
            Error::Parse(e) => e.span(),
            Error::Compile(e) => e.span(),
        }
    }

    /// The 1-based column (in characters) where the offending input starts.
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a==1;").unwrap_err().into();
    /// assert_eq!(err.column(), 6);
    /// ```
    pub fn column(&self) -> usize {
        match self {
            Error::Parse(e) => e.column(),
            Error::Compile(e) => e.column(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(e) => fmt::Display::fmt(e, f),
            Error::Compile(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Parse(e) => Some(e),
            Error::Compile(e) => Some(e),
        }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Error {
        Error::Parse(e)
    }
}

impl From<CompileError> for Error {
    fn from(e: CompileError) -> Error {
        Error::Compile(e)
    }
}

/// 1-based character column of byte `offset` in `input` (on its own line).
pub(crate) fn column_of(input: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(input, offset);
    let line_start = input[..offset].rfind('\n').map_or(0, |i| i + 1);
    input[line_start..offset].chars().count() + 1
}

/// 1-based line number of byte `offset` in `input`.
pub(crate) fn line_of(input: &str, offset: usize) -> usize {
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

/// How many characters of context the snippet shows on each side of the span
/// before eliding with `…` (long filters are up to 64 KiB).
const CONTEXT_CHARS: usize = 60;

/// Writes the `{:#}` part of an error: the input with carets under `span`,
/// then an optional `help:` line.
///
/// Single-line input is indented by 4 spaces with carets under it (regex's
/// style). Input with newlines shows `line L, column C` and a gutter with the
/// line number (toml_edit's style). There is always at least one caret, also
/// at end of input. Control characters are shown as `␉`-style pictures so the
/// carets stay aligned.
pub(crate) fn write_snippet(
    f: &mut fmt::Formatter<'_>,
    input: &str,
    span: Span,
    help: Option<&str>,
) -> fmt::Result {
    let start = floor_char_boundary(input, span.start);
    let end = floor_char_boundary(input, span.end.max(start));
    let multiline = input.contains('\n');
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
    let carets = span_chars.min(to.saturating_sub(col_chars).max(1));

    if multiline {
        let line_no = line_of(input, start);
        let gutter = line_no.to_string();
        write!(f, "\n  --> line {line_no}, column {}", col_chars + 1)?;
        write!(f, "\n{:w$} |", "", w = gutter.len())?;
        write!(f, "\n{gutter} | {shown}")?;
        write!(
            f,
            "\n{:w$} | {:pad$}{}",
            "",
            "",
            "^".repeat(carets),
            w = gutter.len(),
            pad = caret_pad
        )?;
    } else {
        write!(f, "\n    {shown}")?;
        write!(
            f,
            "\n    {:pad$}{}",
            "",
            "^".repeat(carets),
            pad = caret_pad
        )?;
    }
    if let Some(help) = help {
        write!(f, "\nhelp: {help}")?;
    }
    Ok(())
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

/// Truncates user text echoed in a message to about 40 characters.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

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

    struct Snip<'a>(&'a str, Span, Option<&'a str>);
    impl fmt::Display for Snip<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_snippet(f, self.0, self.1, self.2)
        }
    }

    #[test]
    fn caret_at_end_of_input() {
        let s = Snip("a==1;", Span::new(5, 5), None).to_string();
        assert_eq!(s, "\n    a==1;\n         ^");
    }

    #[test]
    fn carets_cover_span_in_chars() {
        let s = Snip("né=gte=1", Span::new(3, 8), Some("did you mean `=ge=`?")).to_string();
        assert_eq!(s, "\n    né=gte=1\n      ^^^^^\nhelp: did you mean `=ge=`?");
    }

    #[test]
    fn multiline_uses_gutter() {
        let s = Snip("a==1;\nb=~2", Span::new(7, 8), None).to_string();
        assert_eq!(s, "\n  --> line 2, column 2\n  |\n2 | b=~2\n  |  ^");
    }

    #[test]
    fn long_lines_are_windowed() {
        let input = format!("{}==x;b=~1", "a".repeat(200));
        let s = Snip(&input, Span::new(206, 207), None).to_string();
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[1].starts_with("    …"));
        let caret_col = lines[2].find('^').unwrap_or(0);
        assert_eq!(lines[1].chars().nth(caret_col), Some('~'));
    }

    #[test]
    fn nearest_name() {
        assert_eq!(nearest("=gte=", ["=ge=", "=gt=", "=in="]), Some("=ge="));
        assert_eq!(nearest("zzzzzz", ["=ge="]), None);
        assert_eq!(column_of("né=x", 3), 3);
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
