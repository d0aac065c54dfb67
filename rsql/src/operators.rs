//! The operator vocabulary: [`Operators`] (which symbols a parser accepts) and
//! [`Arity`] (how many values each one takes).
//!
//! The eight standard operators are always known. [`Operators::extended`] adds
//! the extended vocabulary (`=like=`, `=between=`, …), custom symbols
//! are added with [`Operators::register`] and [`Operators::alias`], and
//! [`Operators::any`] accepts every FIQL-shaped symbol (`=[a-zA-Z]*=`), which is
//! what a generic gateway needs.

use std::fmt;
use std::sync::Arc;

use crate::ast::Operator;

/// How many values an operator takes.
///
/// Single-valued operators take [`Arity::exactly(1)`](Arity::exactly);
/// `=in=`/`=out=` take [`Arity::at_least(1)`](Arity::at_least). The parser
/// checks the arity of every comparison and reports
/// [`ParseErrorKind::Arity`](crate::ParseErrorKind::Arity) with the span of
/// the arguments.
///
/// ```
/// use rsql::Arity;
/// assert!(Arity::exactly(2).accepts(2));
/// assert!(!Arity::exactly(2).accepts(3));
/// assert!(Arity::at_least(1).accepts(100));
/// assert!(Arity::range(1, 3).accepts(3));
/// assert_eq!(Arity::range(1, 3).to_string(), "1 to 3 values");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arity {
    min: usize,
    max: Option<usize>,
}

impl Arity {
    /// Exactly `n` values (`=between=` takes exactly 2).
    ///
    /// ```
    /// assert_eq!(rsql::Arity::exactly(1).to_string(), "exactly 1 value");
    /// ```
    pub const fn exactly(n: usize) -> Arity {
        Arity {
            min: n,
            max: Some(n),
        }
    }

    /// `n` or more values (`=in=` takes at least 1).
    ///
    /// ```
    /// assert_eq!(rsql::Arity::at_least(1).to_string(), "at least 1 value");
    /// ```
    pub const fn at_least(n: usize) -> Arity {
        Arity { min: n, max: None }
    }

    /// Between `min` and `max` values, both inclusive. The bounds are swapped
    /// if given in the wrong order.
    ///
    /// ```
    /// assert!(rsql::Arity::range(3, 1).accepts(2));
    /// ```
    pub const fn range(min: usize, max: usize) -> Arity {
        if min <= max {
            Arity {
                min,
                max: Some(max),
            }
        } else {
            Arity {
                min: max,
                max: Some(min),
            }
        }
    }

    /// The fewest values accepted.
    ///
    /// ```
    /// assert_eq!(rsql::Arity::range(2, 4).min(), 2);
    /// ```
    pub const fn min(&self) -> usize {
        self.min
    }

    /// The most values accepted, `None` for no upper bound.
    ///
    /// ```
    /// assert_eq!(rsql::Arity::at_least(1).max(), None);
    /// ```
    pub const fn max(&self) -> Option<usize> {
        self.max
    }

    /// Whether `n` values are accepted.
    ///
    /// ```
    /// assert!(!rsql::Arity::exactly(1).accepts(0));
    /// ```
    pub const fn accepts(&self, n: usize) -> bool {
        n >= self.min
            && match self.max {
                Some(max) => n <= max,
                None => true,
            }
    }

    /// Whether more than one value can be given (the printer puts the values of
    /// such operators in parentheses).
    ///
    /// ```
    /// assert!(rsql::Arity::at_least(1).is_multi());
    /// assert!(!rsql::Arity::exactly(1).is_multi());
    /// ```
    pub const fn is_multi(&self) -> bool {
        match self.max {
            Some(max) => max > 1,
            None => true,
        }
    }
}

impl fmt::Display for Arity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "value" } else { "values" };
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max} {}", plural(max)),
            Some(max) => write!(f, "{} to {max} values", self.min),
            None => write!(f, "at least {} {}", self.min, plural(self.min)),
        }
    }
}

/// A registered symbol: the spelling the lexer sees, what it maps to, and its arity.
#[derive(Clone, Debug)]
struct Entry {
    symbol: Arc<str>,
    op: Operator,
    arity: Arity,
}

/// The operator vocabulary a parser accepts.
///
/// The eight standard operators (`==`, `!=`, `=lt=`/`<`, `=le=`/`<=`,
/// `=gt=`/`>`, `=ge=`/`>=`, `=in=`, `=out=`) are always part of it. Symbols
/// are case-sensitive. A registered operator is stored in the AST as
/// [`Operator::Custom`] holding its *primary* symbol, shared with the registry
/// (an `Arc` clone, no allocation per parse).
///
/// ```
/// use rsql::{Arity, Operator, Operators, Parser, Policy};
/// let ops = Operators::standard()
///     .register("=like=", Arity::exactly(1))?
///     .alias("=ke=", "=like=")?;
/// let parser = Parser::new().with_policy(Policy::default().with_operators(ops));
/// let ast = parser.parse("name=ke=*sync*")?;
/// assert_eq!(ast.comparisons().next().unwrap().op.as_str(), "=like=");
/// assert_eq!(ast.to_string(), "name=like=*sync*");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Operators {
    custom: Vec<Entry>,
    any: bool,
}

impl Default for Operators {
    /// The standard eight, as [`Operators::standard`].
    fn default() -> Operators {
        Operators::standard()
    }
}

/// The standard operators, either spelling, with their arity.
pub(crate) fn standard_lookup(symbol: &str) -> Option<(Operator, Arity)> {
    let op = Operator::standard(symbol)?;
    let arity = match op {
        Operator::In | Operator::Out => Arity::at_least(1),
        _ => Arity::exactly(1),
    };
    Some((op, arity))
}

/// Every standard spelling, canonical ones first.
const STANDARD_SYMBOLS: [&str; 12] = [
    "==", "!=", "=lt=", "=le=", "=gt=", "=ge=", "=in=", "=out=", "<", "<=", ">", ">=",
];

/// Whether `symbol` has the FIQL shape `=[a-zA-Z]*=` (this includes `==`).
pub(crate) fn is_fiql_symbol(symbol: &str) -> bool {
    let b = symbol.as_bytes();
    b.len() >= 2
        && b[0] == b'='
        && b[b.len() - 1] == b'='
        && b[1..b.len() - 1].iter().all(u8::is_ascii_alphabetic)
}

/// A custom operator registration that can never match: returned by
/// [`Operators::register`] and [`Operators::alias`]. Like
/// [`SchemaError`](crate::SchemaError), this is a developer error found at
/// start-up, not bad user input.
///
/// ```
/// use rsql::{Arity, OperatorError, Operators};
/// let err = Operators::standard().register("=in=", Arity::exactly(2)).unwrap_err();
/// assert_eq!(err, OperatorError::Standard { symbol: "=in=".into() });
/// assert_eq!(err.to_string(), "`=in=` is a standard operator and cannot be registered again");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperatorError {
    /// The symbol is not `=` ASCII letters `=` with at least one letter:
    /// `like`, `=l1ke=`, `==`, `<>`.
    InvalidSymbol {
        /// The symbol as given.
        symbol: String,
    },
    /// The symbol is one of the standard spellings: `=in=`, `=gt=`.
    Standard {
        /// The symbol as given.
        symbol: String,
    },
    /// An alias names a primary symbol that is neither standard nor
    /// registered yet: `alias("=ke=", "=like=")` on [`Operators::standard`].
    UnknownPrimary {
        /// The alias being registered.
        alias: String,
        /// The unknown primary symbol.
        primary: String,
    },
}

impl fmt::Display for OperatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperatorError::InvalidSymbol { symbol } => write!(
                f,
                "invalid operator symbol `{symbol}`: expected `=` followed by ASCII letters and `=`, such as `=like=`"
            ),
            OperatorError::Standard { symbol } => write!(
                f,
                "`{symbol}` is a standard operator and cannot be registered again"
            ),
            OperatorError::UnknownPrimary { alias, primary } => write!(
                f,
                "operator alias `{alias}` refers to `{primary}`, which is not registered"
            ),
        }
    }
}

impl std::error::Error for OperatorError {}

/// Checks that `symbol` can be registered: FIQL-shaped with a letter, not standard.
fn check_new_symbol(symbol: &str) -> Result<(), OperatorError> {
    if !is_fiql_symbol(symbol) || symbol.len() <= 2 {
        return Err(OperatorError::InvalidSymbol {
            symbol: symbol.to_owned(),
        });
    }
    if standard_lookup(symbol).is_some() {
        return Err(OperatorError::Standard {
            symbol: symbol.to_owned(),
        });
    }
    Ok(())
}

impl Operators {
    /// Only the eight standard operators (the default).
    ///
    /// ```
    /// let ops = rsql::Operators::standard();
    /// assert!(ops.contains("<="));
    /// assert!(!ops.contains("=like="));
    /// ```
    pub fn standard() -> Operators {
        Operators {
            custom: Vec::new(),
            any: false,
        }
    }

    /// The standard operators plus the extended vocabulary (primary symbol
    /// first, aliases after):
    ///
    /// | operator (aliases) | arity | meaning |
    /// |---|---|---|
    /// | `=like=` (`=ke=`) | 1 | contains; `*` is a wildcard |
    /// | `=notlike=` (`=nk=`) | 1 | negation of `=like=` |
    /// | `=ilike=` (`=ik=`) | 1 | case-insensitive `=like=` |
    /// | `=ic=` (`=icase=`) | 1 | case-insensitive equality |
    /// | `=bt=` (`=between=`) | exactly 2 | inclusive range |
    /// | `=nb=` (`=notbetween=`) | exactly 2 | outside the range |
    /// | `=isnull=` (`=na=`, `=null=`) | 1 | field absent (`true`) or present (`false`) |
    /// | `=notnull=` (`=nn=`) | 1 | the opposite |
    ///
    /// ```
    /// let ops = rsql::Operators::extended();
    /// assert_eq!(ops.resolve("=between=").map(|(op, _)| op.as_str().to_owned()), Some("=bt=".into()));
    /// assert_eq!(ops.resolve("=bt=").map(|(_, a)| a), Some(rsql::Arity::exactly(2)));
    /// ```
    pub fn extended() -> Operators {
        let one = Arity::exactly(1);
        let two = Arity::exactly(2);
        // (primary, arity, aliases): all well-formed, so no validation needed
        let table: [(&str, Arity, &[&str]); 8] = [
            ("=like=", one, &["=ke="]),
            ("=notlike=", one, &["=nk="]),
            ("=ilike=", one, &["=ik="]),
            ("=ic=", one, &["=icase="]),
            ("=bt=", two, &["=between="]),
            ("=nb=", two, &["=notbetween="]),
            ("=isnull=", one, &["=na=", "=null="]),
            ("=notnull=", one, &["=nn="]),
        ];
        let mut ops = Operators::standard();
        for (primary, arity, aliases) in table {
            let op = Operator::Custom(Arc::from(primary));
            for symbol in std::iter::once(&primary).chain(aliases) {
                ops.insert(Entry {
                    symbol: Arc::from(*symbol),
                    op: op.clone(),
                    arity,
                });
            }
        }
        ops
    }

    /// Accepts every FIQL-shaped symbol (`=` ASCII letters `=`). Symbols that
    /// are neither standard nor registered become [`Operator::Custom`] with
    /// [`Arity::at_least(1)`](Arity::at_least) (multi-valued); this allocates
    /// the symbol once per comparison. Registrations made before or after
    /// still apply with their own arity.
    ///
    /// ```
    /// use rsql::{Operators, Parser, Policy};
    /// let parser = Parser::new().with_policy(Policy::default().with_operators(Operators::any()));
    /// let ast = parser.parse("tags=all=(a,b)")?;
    /// assert_eq!(ast.to_string(), "tags=all=(a,b)");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn any() -> Operators {
        Operators {
            custom: Vec::new(),
            any: true,
        }
    }

    /// Adds the extended vocabulary to this set (keeps `any` and earlier
    /// registrations).
    ///
    /// ```
    /// let ops = rsql::Operators::any().with_extended();
    /// assert!(ops.is_any());
    /// assert_eq!(ops.resolve("=between=").map(|(_, a)| a.min()), Some(2));
    /// ```
    pub fn with_extended(mut self) -> Operators {
        for entry in Operators::extended().custom {
            if !self.contains(&entry.symbol) {
                self.custom.push(entry);
            }
        }
        self
    }

    /// Registers `symbol` (FIQL shape `=letters=`) as its own primary symbol
    /// with the given arity. Registering a symbol again replaces its arity
    /// (for its aliases too).
    ///
    /// # Errors
    ///
    /// [`OperatorError::InvalidSymbol`] if `symbol` is not `=` ASCII letters
    /// `=` with at least one letter (the lexer could never produce it), and
    /// [`OperatorError::Standard`] if it is a standard symbol such as `=in=`.
    ///
    /// ```
    /// use rsql::{Arity, OperatorError, Operators};
    /// let ops = Operators::standard().register("=all=", Arity::at_least(1))?;
    /// assert!(ops.contains("=all="));
    /// assert_eq!(
    ///     Operators::standard().register("~all", Arity::exactly(1)).unwrap_err(),
    ///     OperatorError::InvalidSymbol { symbol: "~all".into() }
    /// );
    /// # Ok::<(), OperatorError>(())
    /// ```
    pub fn register(mut self, symbol: &str, arity: Arity) -> Result<Operators, OperatorError> {
        check_new_symbol(symbol)?;
        let symbol: Arc<str> = Arc::from(symbol);
        let op = Operator::Custom(Arc::clone(&symbol));
        // aliases registered earlier follow the primary's new arity
        for entry in self.custom.iter_mut().filter(|e| e.op == op) {
            entry.arity = arity;
        }
        self.insert(Entry { op, symbol, arity });
        Ok(self)
    }

    /// Registers `alias` as another spelling of `primary` (a registered or
    /// standard symbol). The AST stores the primary symbol, so `=ke=` parses
    /// and prints as `=like=`.
    ///
    /// # Errors
    ///
    /// The errors of [`Operators::register`] for `alias`, and
    /// [`OperatorError::UnknownPrimary`] if `primary` is not known yet.
    ///
    /// ```
    /// use rsql::{OperatorError, Operators, Parser, Policy};
    /// let ops = Operators::standard().alias("=eq=", "==")?;
    /// let parser = Parser::new().with_policy(Policy::default().with_operators(ops));
    /// assert_eq!(parser.parse("a=eq=1")?.to_string(), "a==1");
    ///
    /// let err = Operators::standard().alias("=ke=", "=like=").unwrap_err();
    /// assert_eq!(err.to_string(), "operator alias `=ke=` refers to `=like=`, which is not registered");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alias(mut self, alias: &str, primary: &str) -> Result<Operators, OperatorError> {
        check_new_symbol(alias)?;
        let Some((op, arity)) = self.resolve_known(primary) else {
            return Err(OperatorError::UnknownPrimary {
                alias: alias.to_owned(),
                primary: primary.to_owned(),
            });
        };
        self.insert(Entry {
            symbol: Arc::from(alias),
            op,
            arity,
        });
        Ok(self)
    }

    /// Adds `entry`, replacing an earlier one with the same symbol.
    fn insert(&mut self, entry: Entry) {
        match self.custom.iter_mut().find(|e| e.symbol == entry.symbol) {
            Some(existing) => *existing = entry,
            None => self.custom.push(entry),
        }
    }

    /// Whether `symbol` is standard or registered (ignores [`Operators::any`]).
    ///
    /// ```
    /// assert!(rsql::Operators::extended().contains("=ke="));
    /// ```
    pub fn contains(&self, symbol: &str) -> bool {
        self.resolve_known(symbol).is_some()
    }

    /// Whether every FIQL-shaped symbol is accepted ([`Operators::any`]).
    ///
    /// ```
    /// assert!(!rsql::Operators::standard().is_any());
    /// ```
    pub fn is_any(&self) -> bool {
        self.any
    }

    /// The operator and arity `symbol` stands for, as the parser resolves it:
    /// standard, registered, or (in [`Operators::any`] mode) a FIQL-shaped
    /// custom symbol.
    ///
    /// ```
    /// use rsql::{Arity, Operator, Operators};
    /// assert_eq!(Operators::standard().resolve(">="), Some((Operator::Ge, Arity::exactly(1))));
    /// assert_eq!(Operators::standard().resolve("=like="), None);
    /// assert!(Operators::any().resolve("=like=").is_some());
    /// ```
    pub fn resolve(&self, symbol: &str) -> Option<(Operator, Arity)> {
        if let Some(found) = self.resolve_known(symbol) {
            return Some(found);
        }
        if self.any && is_fiql_symbol(symbol) {
            return Some((Operator::Custom(Arc::from(symbol)), Arity::at_least(1)));
        }
        None
    }

    fn resolve_known(&self, symbol: &str) -> Option<(Operator, Arity)> {
        if let Some(found) = standard_lookup(symbol) {
            return Some(found);
        }
        self.custom
            .iter()
            .find(|e| &*e.symbol == symbol)
            .map(|e| (e.op.clone(), e.arity))
    }

    /// The arity of an operator as stored in an AST (by its primary symbol).
    ///
    /// ```
    /// use rsql::{Arity, Operator, Operators};
    /// assert_eq!(Operators::standard().arity_of(&Operator::In), Some(Arity::at_least(1)));
    /// ```
    pub fn arity_of(&self, op: &Operator) -> Option<Arity> {
        self.resolve(op.as_str()).map(|(_, arity)| arity)
    }

    /// Every accepted spelling: the standard ones, then registrations and
    /// aliases in registration order.
    ///
    /// ```
    /// let ops = rsql::Operators::extended();
    /// assert!(ops.symbols().any(|s| s == "=null="));
    /// ```
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        STANDARD_SYMBOLS
            .iter()
            .copied()
            .chain(self.custom.iter().map(|e| &*e.symbol))
    }

    /// A spelling to suggest for an unknown symbol: well-known mistakes first
    /// (`=gte=` → `=ge=`, `=eq=` → `==`, `=nin=` → `=out=`), then a different
    /// letter case (`=GT=` → `=gt=`), then the nearest symbol by edit distance.
    pub(crate) fn suggest(&self, symbol: &str) -> Option<String> {
        if !self.contains(symbol) && Operators::extended().contains(symbol) {
            // the help explains that the extended vocabulary is not enabled
            return None;
        }
        let lower = symbol.to_ascii_lowercase();
        // the canonical symbol each well-known mistake meant
        let mapped = match lower.as_str() {
            "=gte=" | "=geq=" => Some("=ge="),
            "=lte=" | "=leq=" => Some("=le="),
            "=eq=" | "=equals=" | "=is=" => Some("=="),
            "=ne=" | "=neq=" | "=not=" | "=noteq=" => Some("!="),
            "=nin=" | "=notin=" => Some("=out="),
            "=lessthan=" => Some("=lt="),
            "=greaterthan=" => Some("=gt="),
            _ => None,
        };
        if let Some(canonical) = mapped {
            return Some(canonical.to_owned());
        }
        if let Some(same_case) = self.symbols().find(|s| s.eq_ignore_ascii_case(symbol)) {
            return Some(same_case.to_owned());
        }
        crate::suggest::nearest(symbol, self.symbols().filter(|s| s.starts_with('=')))
            .map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_map_common_mistakes() {
        let ops = Operators::standard();
        assert_eq!(ops.suggest("=gte=").as_deref(), Some("=ge="));
        assert_eq!(ops.suggest("=lte=").as_deref(), Some("=le="));
        assert_eq!(ops.suggest("=eq=").as_deref(), Some("=="));
        assert_eq!(ops.suggest("=ne=").as_deref(), Some("!="));
        assert_eq!(ops.suggest("=nin=").as_deref(), Some("=out="));
        assert_eq!(ops.suggest("=GT=").as_deref(), Some("=gt="));
        assert_eq!(ops.suggest("=inn=").as_deref(), Some("=in="));
        assert_eq!(ops.suggest("=zzzzzzzz=").as_deref(), None);
        // every well-known mistake maps to a canonical symbol, in any case
        for (mistake, meant) in [
            ("=geq=", "=ge="),
            ("=LEQ=", "=le="),
            ("=equals=", "=="),
            ("=noteq=", "!="),
            ("=notin=", "=out="),
            ("=lessthan=", "=lt="),
            ("=GreaterThan=", "=gt="),
        ] {
            assert_eq!(ops.suggest(mistake).as_deref(), Some(meant), "{mistake}");
        }
    }

    #[test]
    fn aliases_resolve_to_the_primary() {
        let ops = Operators::extended();
        let (op, arity) = ops.resolve("=null=").unwrap();
        assert_eq!(op.as_str(), "=isnull=");
        assert_eq!(arity, Arity::exactly(1));
        assert!(
            Operators::standard()
                .alias("=eq=", "==")
                .unwrap()
                .contains("=eq=")
        );
    }

    #[test]
    fn bad_registrations_are_errors_not_panics() {
        let one = Arity::exactly(1);
        for bad in [
            "", "=", "==", "like", "=like", "like=", "=l1ke=", "<>", "=né=", "= like=",
        ] {
            assert_eq!(
                Operators::standard().register(bad, one).unwrap_err(),
                OperatorError::InvalidSymbol { symbol: bad.into() },
                "{bad:?}"
            );
            assert!(matches!(
                Operators::standard().alias(bad, "=="),
                Err(OperatorError::InvalidSymbol { .. })
            ));
        }
        for standard in ["=in=", "=out=", "=lt=", "=ge="] {
            assert_eq!(
                Operators::standard().register(standard, one).unwrap_err(),
                OperatorError::Standard {
                    symbol: standard.into()
                }
            );
        }
        assert_eq!(
            Operators::standard().alias("=x=", "=y=").unwrap_err(),
            OperatorError::UnknownPrimary {
                alias: "=x=".into(),
                primary: "=y=".into()
            }
        );
        // `any` mode does not make an unregistered symbol a valid primary
        assert!(Operators::any().alias("=x=", "=y=").is_err());
    }

    #[test]
    fn re_registering_replaces_the_arity() {
        let ops = Operators::extended()
            .register("=bt=", Arity::range(1, 3))
            .unwrap();
        assert_eq!(
            ops.resolve("=bt=").map(|(_, a)| a),
            Some(Arity::range(1, 3))
        );
        // its alias follows
        assert_eq!(
            ops.resolve("=between=").map(|(_, a)| a),
            Some(Arity::range(1, 3))
        );
        assert_eq!(ops.symbols().filter(|s| *s == "=bt=").count(), 1);
    }

    #[test]
    fn extended_table() {
        let ops = Operators::extended();
        let primaries = [
            ("=like=", 1),
            ("=ke=", 1),
            ("=notlike=", 1),
            ("=nk=", 1),
            ("=ilike=", 1),
            ("=ik=", 1),
            ("=ic=", 1),
            ("=icase=", 1),
            ("=bt=", 2),
            ("=between=", 2),
            ("=nb=", 2),
            ("=notbetween=", 2),
            ("=isnull=", 1),
            ("=na=", 1),
            ("=null=", 1),
            ("=notnull=", 1),
            ("=nn=", 1),
        ];
        for (symbol, n) in primaries {
            let (_, arity) = ops.resolve(symbol).unwrap();
            assert_eq!(arity, Arity::exactly(n), "{symbol}");
        }
        assert_eq!(ops.symbols().count(), 12 + primaries.len());
        assert_eq!(ops.resolve("=icase=").unwrap().0.as_str(), "=ic=");
    }

    #[test]
    fn fiql_shape() {
        assert!(is_fiql_symbol("=="));
        assert!(is_fiql_symbol("=Like="));
        assert!(!is_fiql_symbol("=l1ke="));
        assert!(!is_fiql_symbol("<="));
    }
}
