//! Printing: `Display` for [`Ast`] is canonical RSQL, and [`Sexpr`] is a
//! compact S-expression view for tests and snapshots.
//!
//! Canonical RSQL uses `;` and `,`, the FIQL operator names, parentheses only
//! where precedence needs them (an OR inside an AND), and quotes only where a
//! value needs them, with the quote kind that needs fewer escapes. For every
//! normalised tree, `parse(&ast.to_string()) == ast`.

use std::fmt::{self, Display, Write as _};

use crate::ast::{Args, Ast, Comparison, Operator, Selector, Value};
use crate::parser::lexical::is_bare_word;

impl Display for Ast<'_> {
    /// ```
    /// let ast = rsql::parse("a<1 and (b==x or c=in=(1, 'two words'))")?;
    /// assert_eq!(ast.to_string(), r#"a=lt=1;(b==x,c=in=(1,"two words"))"#);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ast::Cmp(cmp) => cmp.fmt(f),
            Ast::And(children) => {
                for (n, child) in children.iter().enumerate() {
                    if n > 0 {
                        f.write_char(';')?;
                    }
                    // OR binds looser than AND: it needs parentheses here
                    if matches!(child, Ast::Or(_)) {
                        write!(f, "({child})")?;
                    } else {
                        child.fmt(f)?;
                    }
                }
                Ok(())
            }
            Ast::Or(children) => {
                for (n, child) in children.iter().enumerate() {
                    if n > 0 {
                        f.write_char(',')?;
                    }
                    child.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Comparison<'_> {
    /// `selector` `operator` `arguments`, with a parenthesised list for
    /// `=in=`/`=out=` and for more than one value.
    ///
    /// ```
    /// let ast = rsql::parse("a =in= x")?;
    /// assert_eq!(ast.comparisons().next().unwrap().to_string(), "a=in=(x)");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.selector, self.op)?;
        let values = self.args.as_slice();
        let list = values.len() != 1 || matches!(self.op, Operator::In | Operator::Out);
        if !list {
            return values.iter().try_for_each(|v| v.fmt(f));
        }
        f.write_char('(')?;
        for (n, v) in values.iter().enumerate() {
            if n > 0 {
                f.write_char(',')?;
            }
            v.fmt(f)?;
        }
        f.write_char(')')
    }
}

impl Display for Selector<'_> {
    /// The selector as written (selectors are never quoted).
    ///
    /// ```
    /// assert_eq!(rsql::Selector::new("a.b").to_string(), "a.b");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

impl Display for Value<'_> {
    /// Bare when possible; otherwise quoted with `"` or `'` (whichever needs
    /// fewer escapes, `"` on a tie), escaping `\`, the quote, and literal stars
    /// (`\*`). A value is quoted when it is empty, has a reserved character or
    /// whitespace, or has a literal star.
    ///
    /// ```
    /// use rsql::Value;
    /// assert_eq!(Value::new("plain").to_string(), "plain");
    /// assert_eq!(Value::new("").to_string(), r#""""#);
    /// assert_eq!(Value::new(r#"say "hi""#).to_string(), r#"'say "hi"'"#);
    /// assert_eq!(Value::new(r"C:\dir").to_string(), r"C:\dir");
    /// assert_eq!(Value::new(r"a b\c").to_string(), r#""a b\\c""#);
    /// assert_eq!(Value::new(r"a\*").to_string(), r#""a\\*""#);
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: &str = &self.text;
        // Bare `\*` reads back as a literal star, so a backslash before a
        // wildcard star needs quotes (where it is written `\\*`).
        if self.literal_stars.is_empty() && is_bare_word(text) && !text.contains("\\*") {
            return f.write_str(text);
        }
        let doubles = text.bytes().filter(|&b| b == b'"').count();
        let singles = text.bytes().filter(|&b| b == b'\'').count();
        let quote = if doubles <= singles { '"' } else { '\'' };
        f.write_char(quote)?;
        let mut run = 0;
        for (i, c) in text.char_indices() {
            let escape = c == quote || c == '\\' || (c == '*' && self.is_literal_star(i));
            if escape {
                f.write_str(&text[run..i])?;
                f.write_char('\\')?;
                run = i;
            }
        }
        f.write_str(&text[run..])?;
        f.write_char(quote)
    }
}

/// A compact S-expression view of a tree, for tests and snapshots:
/// `(and (== a "1") (or (=lt= b "2") (=in= c "x" "y")))`.
///
/// Values are double-quoted with `\"`, `\\`, `\n`, `\t`, `\r` and `\u{…}`
/// escapes; a literal (escaped) star shows as `\*`.
///
/// ```
/// use rsql::Sexpr;
/// let ast = rsql::parse("a==1;b<2,c=in=(x,y)")?;
/// assert_eq!(Sexpr(&ast).to_string(), r#"(or (and (== a "1") (=lt= b "2")) (=in= c "x" "y"))"#);
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Sexpr<'t, 'a>(pub &'t Ast<'a>);

impl Display for Sexpr<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ast::And(children) | Ast::Or(children) => {
                f.write_str(if matches!(self.0, Ast::And(_)) {
                    "(and"
                } else {
                    "(or"
                })?;
                for child in children {
                    write!(f, " {}", Sexpr(child))?;
                }
                f.write_char(')')
            }
            Ast::Cmp(cmp) => {
                write!(f, "({} {}", cmp.op, cmp.selector)?;
                let values = match &cmp.args {
                    Args::One(v) => std::slice::from_ref(v),
                    Args::List(vs) => vs.as_slice(),
                };
                for v in values {
                    f.write_str(" \"")?;
                    for (i, c) in v.text.char_indices() {
                        match c {
                            '"' => f.write_str("\\\"")?,
                            '\\' => f.write_str("\\\\")?,
                            '\n' => f.write_str("\\n")?,
                            '\t' => f.write_str("\\t")?,
                            '\r' => f.write_str("\\r")?,
                            '*' if v.is_literal_star(i) => f.write_str("\\*")?,
                            c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
                            c => f.write_char(c)?,
                        }
                    }
                    f.write_char('"')?;
                }
                f.write_char(')')
            }
        }
    }
}
