//! RSQL / FIQL filters for Rust services: a parser with byte spans and caret
//! error messages, a canonical n-ary syntax tree, a policy layer for what a
//! service allows, a typed schema compiler, an evaluator, and SQL and MongoDB
//! emitters that agree with the evaluator.
//!
//! # Overview
//!
//! A filter such as `conversation.type==meeting;conversation.startTime=ge=2021-03-01`
//! goes through two representations, as a regular expression does in
//! `regex-syntax` (`Ast`, then `Hir`):
//!
//! * [`Ast`], the **syntax tree**: what the text says. [`parse`] (or a
//!   configured [`Parser`]) builds it, checking the [`Limits`] and the
//!   operator vocabulary while parsing and the other [`Policy`] rules (no OR,
//!   at most N fields, a selector allow-list) right after. Selectors and
//!   values are still strings. The tree is n-ary and normalised, every node
//!   has a byte [`Span`], and `Display` prints it back as canonical RSQL.
//! * [`Filter`], the **typed filter**: what the text means for your data.
//!   [`Schema::compile`] resolves every selector to a declared [`Field`],
//!   checks the operator and the number of values for the field's
//!   [`FieldType`], and parses every literal once (timestamps, numbers,
//!   booleans, enum values, wildcard patterns). A `Filter` then evaluates
//!   against your own row type ([`Filter::matches`] over [`Record`]) and turns
//!   into a SQL `WHERE` clause with bound parameters ([`Filter::to_sql`]) or a
//!   MongoDB query document (`Filter::to_mongo`, feature `mongo`).
//!
//! Every error is a typed value with the span of the token it blames:
//! [`ParseError`] (syntax, limit and policy) and [`CompileError`] (schema),
//! both inside the umbrella [`Error`], so `?` works across the pipeline.
//!
//! # Example
//!
//! The whole pipeline: parse with a service policy, compile against a schema,
//! evaluate a record, and emit SQL and MongoDB queries from the same filter.
//!
//! ```
//! use rsql::{Field, FieldId, FieldRef, FieldType, FieldValue, Parser, Policy, Record, Schema};
//! use rsql::{SqlOptions, SqlParam};
//!
//! // 1. Parse. Build the parser once and share it (`Parser` is `Clone + Send + Sync`).
//! //    `Policy::symbl()`: no OR, at most 2 distinct fields, a selector
//! //    allow-list, the extended operators.
//! let parser = Parser::new().with_policy(Policy::symbl());
//! let input = "conversation.startTime>=2021-03-01 and metadata.region=in=(emea or apac)";
//! let ast = parser.parse(input)?;
//! assert_eq!(
//!     ast.to_string(),
//!     "conversation.startTime=ge=2021-03-01;metadata.region=in=(emea,apac)"
//! );
//! // the policy rejects OR between terms and says what to write instead
//! let err = parser.parse("conversation.type==call,conversation.type==chat").unwrap_err();
//! assert_eq!(err.kind().code(), "or_forbidden");
//!
//! // 2. Compile against a schema (declared once, at start-up). A `SchemaError`
//! //    is a bug in this code, not bad input, hence `expect`.
//! const TYPE: FieldId = FieldId::new(0);
//! const START: FieldId = FieldId::new(1);
//! const METADATA: FieldId = FieldId::new(2);
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.type", FieldType::enumeration(["meeting", "call", "chat"]))
//!         .sql_column("c.type")
//!         .mongo_path("type"))
//!     .field(Field::new("conversation.startTime", FieldType::Timestamp)
//!         .sortable()
//!         .sql_column("c.start_ms")
//!         .mongo_path("startTime"))
//!     .field(Field::dynamic("conversation.metadata", FieldType::String)
//!         .sql_json("c.metadata")
//!         .mongo_path("metadata"))
//!     .alias("metadata", "conversation.metadata")
//!     .build()
//!     .expect("a valid schema");
//! let filter = schema.compile(&ast).map_err(|e| e.with_input(input))?;
//! // literals are parsed once: the date is now an instant
//! assert_eq!(
//!     filter.to_string(),
//!     "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.metadata.region=in=(emea,apac)"
//! );
//!
//! // 3. Evaluate against your own row type: no JSON involved.
//! struct Conversation {
//!     kind: &'static str,
//!     start_ms: i64,
//!     metadata: Vec<(&'static str, &'static str)>,
//! }
//! impl Record for Conversation {
//!     fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
//!         match (field.id, field.key) {
//!             (TYPE, _) => FieldValue::Str(self.kind),
//!             (START, _) => FieldValue::Time(self.start_ms),
//!             (METADATA, Some(key)) => self
//!                 .metadata
//!                 .iter()
//!                 .find(|(k, _)| *k == key)
//!                 .map_or(FieldValue::Missing, |(_, v)| FieldValue::Str(v)),
//!             _ => FieldValue::Missing,
//!         }
//!     }
//! }
//! let march = Conversation { kind: "meeting", start_ms: 1_615_000_000_000, metadata: vec![("region", "emea")] };
//! let february = Conversation { start_ms: 1_612_000_000_000, metadata: vec![("region", "emea")], ..march };
//! assert!(filter.matches(&march));
//! assert!(!filter.matches(&february));
//!
//! // 4. SQL: column expressions come from the schema, values only from `params`
//! // (a validated key such as `region` is inlined, so an expression index serves it).
//! let sql = filter.to_sql(&SqlOptions::postgres()).expect("every field has a SQL mapping");
//! assert_eq!(sql.sql, "c.start_ms >= $1 AND (c.metadata->>'region') IN ($2, $3)");
//! assert_eq!(
//!     sql.params,
//!     [
//!         SqlParam::Time(1_614_556_800_000),
//!         SqlParam::Text("emea".into()),
//!         SqlParam::Text("apac".into()),
//!     ]
//! );
//!
//! // 5. MongoDB (feature `mongo`).
//! #[cfg(feature = "mongo")]
//! assert_eq!(
//!     filter.to_mongo(),
//!     serde_json::json!({"$and": [
//!         {"startTime": {"$gte": {"$date": "2021-03-01T00:00:00.000Z"}}},
//!         {"metadata.region": {"$in": ["emea", "apac"]}},
//!     ]})
//! );
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Syntax
//!
//! The default language is the reference grammar of `jirutka/rsql-parser`
//! 2.1.0 (the common Java implementation), with one deliberate difference
//! listed under [Choices and deviations](#choices-and-deviations). In EBNF:
//!
//! ```text
//! query       = disjunction ;
//! disjunction = conjunction , { OR , conjunction } ;    (* lowest precedence *)
//! conjunction = term , { AND , term } ;                 (* AND binds tighter  *)
//! term        = "(" , disjunction , ")" | comparison ;
//! comparison  = selector , operator , arguments ;
//! arguments   = "(" , value , { OR , value } , ")" | value ;
//! selector    = bare-word ;                             (* never quoted       *)
//! value       = bare-word | quoted ;
//! AND         = ";" | " and " ;                         (* the keyword includes one space each side *)
//! OR          = "," | " or " ;                          (* also the list separator *)
//! operator    = "=" , { ASCII letter } , "=" | "!=" | "<" | "<=" | ">" | ">=" ;
//! bare-word   = word-char , { word-char } ;
//! word-char   = any character except " ' ( ) ; , = ! ~ < > space TAB CR LF ;
//! quoted      = "'" , { "\" , any | any - ( "'" | "\" ) } , "'"
//!             | '"' , { "\" , any | any - ( '"' | "\" ) } , '"' ;
//! ```
//!
//! * **Precedence**: `a;b,c` is `(a;b),c` and `a,b;c` is `a,(b;c)`; both
//!   operators are n-ary. Parentheses group, and redundant ones vanish:
//!   `(a;b);c` and `a;(b;c)` are the same tree, `and(a, b, c)`.
//! * **Keywords**: ` and ` / ` or ` are lowercase and need a space on both
//!   sides (`a==1 AND b==2` and `a==1 and(b==2)` are errors). Because the
//!   keyword includes its spaces, `and==1 and or==2` compares fields named
//!   `and` and `or`.
//! * **Whitespace**: spaces, TABs, CRs and LFs between tokens are skipped
//!   (`a == 1`, `( a==1 ; b==2 )`, `b =in= ( 1 , 2 )`). A space inside a bare
//!   word ends it (`a==x y` is an error: quote the value, `a=='x y'`).
//!   Non-ASCII spaces (NBSP, em space) are ordinary characters.
//! * **Reserved characters** `"` `'` `(` `)` `;` `,` `=` `!` `~` `<` `>` and the
//!   space cannot appear unquoted; `~` is used by no token, so a bare `~` is
//!   always an error. Everything else (`* % + & ? # @ : . / \ ^ $ [ ] { } |`,
//!   non-ASCII) is an ordinary character, and nothing is percent-decoded
//!   (`x%20y` stays `x%20y`: decoding is the HTTP layer's job).
//! * **Quoting**: `'…'` or `"…"`. Inside, a backslash makes the next
//!   character literal and is dropped (`\"` → `"`, `\\` → `\`, `\n` → `n`);
//!   there is no `\uXXXX` and no `\t`, and a doubled quote is not an escape.
//!   Outside quotes a backslash is an ordinary character (`C:\dir`), except
//!   in `\*`, a literal star. The
//!   empty string is written `''` or `""`; an empty operand is an error.
//! * **Wildcards**: `*` in a value is a wildcard (meaningful for `==`, `!=`
//!   and the `like` family on string fields, see [Semantics](#semantics)). A
//!   literal star is written `\*`, quoted or not: `name==2\*3`, `name=="2\*3"`.
//! * **Values are strings**: `42`, `true`, `2024-01-15` stay text in the
//!   [`Ast`]; the [`Schema`] gives them a type.
//! * Empty input, a trailing separator (`a==1;`), an empty list (`a=in=()`)
//!   and unbalanced parentheses are errors. There is no `NOT`.
//!
//! ## Operators
//!
//! Symbols are case-sensitive (`=GT=` is unknown). The **standard** eight are
//! always available; [`Operators::extended`] adds the vocabulary of
//! `rsql-jpa-specification`; [`Operators::register`] and
//! [`Operators::alias`] add your own with an [`Arity`]; [`Operators::any`]
//! accepts every `=letters=` symbol as a multi-valued custom operator (for a
//! gateway that passes filters on). The parser checks the number of values
//! against the arity and reports [`ParseErrorKind::Arity`] with the span of
//! the values. The [`Ast`] stores the canonical (primary) symbol.
//!
//! | operator | other spellings | values | meaning |
//! |---|---|---|---|
//! | `==` | | 1 | equal; with `*`, wildcard match |
//! | `!=` | | 1 | not equal |
//! | `=lt=` | `<` | 1 | less than |
//! | `=le=` | `<=` | 1 | less than or equal |
//! | `=gt=` | `>` | 1 | greater than |
//! | `=ge=` | `>=` | 1 | greater than or equal |
//! | `=in=` | | 1 or more | equal to one of the values |
//! | `=out=` | | 1 or more | equal to none of the values |
//! | *extended:* | | | |
//! | `=like=` | `=ke=` | 1 | contains (`*` inside is a wildcard) |
//! | `=notlike=` | `=nk=` | 1 | does not contain |
//! | `=ilike=` | `=ik=` | 1 | contains, ASCII case-insensitive |
//! | `=ic=` | `=icase=` | 1 | equal, ASCII case-insensitive |
//! | `=bt=` | `=between=` | exactly 2 | inclusive range `lo ≤ x ≤ hi` |
//! | `=nb=` | `=notbetween=` | exactly 2 | outside the range |
//! | `=isnull=` | `=na=`, `=null=` | 1: `true`/`false` | field missing (`true`) or present (`false`) |
//! | `=notnull=` | `=nn=` | 1: `true`/`false` | the opposite of `=isnull=` |
//!
//! A single value may always be parenthesised (`a==(x)` is `a==x`), and
//! `a=in=x` is a one-element list. Two or more values on a single-valued
//! operator is an error that suggests `=in=`.
//!
//! ```
//! use rsql::{Arity, Operators, ParseErrorKind, Parser, Policy, Sexpr};
//!
//! // precedence, keywords, aliases and redundant parentheses
//! let ast = rsql::parse("a<1 and (b==x or c=in=(1 or 'two words')) and ((d!=y))")?;
//! assert_eq!(
//!     Sexpr(&ast).to_string(),
//!     r#"(and (=lt= a "1") (or (== b "x") (=in= c "1" "two words")) (!= d "y"))"#
//! );
//! assert_eq!(ast.to_string(), r#"a=lt=1;(b==x,c=in=(1,"two words"));d!=y"#);
//!
//! // the extended vocabulary, and a registration of your own
//! let ops = Operators::extended()
//!     .register("=all=", Arity::at_least(2))
//!     .expect("a well-formed symbol");
//! let parser = Parser::new().with_policy(Policy::new().with_operators(ops));
//! assert_eq!(parser.parse("n=between=(1,5);t=all=(x,y)")?.to_string(), "n=bt=(1,5);t=all=(x,y)");
//! let err = parser.parse("n=bt=(1,2,3)").unwrap_err();
//! assert_eq!(err.message(), "operator `=bt=` takes exactly 2 values, found 3");
//! assert!(matches!(rsql::parse("n=like=x").unwrap_err().kind(), ParseErrorKind::UnknownOperator { .. }));
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Pipeline
//!
//! ```text
//! &str
//!  │
//!  │  Parser::parse             ◀── Limits and the operator vocabulary (while parsing),
//!  │                                the other Policy rules (right after)
//!  ▼
//! Ast
//!  ├──▶ Display                 ──▶ canonical RSQL (parses back to an equal Ast)
//!  ├──▶ Serialize               ──▶ canonical JSON (feature `serde`)
//!  │
//!  │  Schema::compile           ◀── Schema: fields, types, operators, SQL and Mongo mappings
//!  ▼
//! Filter
//!  ├──▶ matches(&impl Record)   ──▶ bool
//!  ├──▶ to_sql(&SqlOptions)     ──▶ SqlWhere { sql, params }
//!  └──▶ to_mongo()              ──▶ serde_json::Value (feature `mongo`)
//! ```
//!
//! Each stage is usable on its own: a gateway may only parse and re-print
//! (canonical RSQL or JSON), a service compiles once per request and evaluates
//! or emits. A [`Parser`] and a [`Schema`] are built once and shared
//! (`Clone + Send + Sync`; a `Schema` clone shares one `Arc`).
//!
//! The modules import one way, each only from the layers under it. At the
//! bottom lie the syntax tree (`ast`), the operator vocabulary, limits,
//! wildcard patterns and the "did you mean" suggestions, and on them the
//! errors (`error`: [`ParseError`], [`CompileError`], the umbrella [`Error`]
//! and the one caret renderer they share). The parser and the [`Policy`]
//! turn text into an [`Ast`]. The [`schema`] declares fields, types,
//! operators, literal syntax and storage mappings, and knows nothing of
//! filters. The [`filter`] layer reads the schema: it compiles an `Ast`
//! into a [`Filter`] ([`Schema::compile`] is written there), picks the head
//! test that [`Filter::matches`] checks first, and answers the planner's
//! questions. The evaluator ([`eval`]) and the emitters ([`emit`]) both read
//! a filter and its schema, and never each other.
//!
//! ```
//! fn build_once_share_everywhere<T: Clone + Send + Sync + 'static>() {}
//! build_once_share_everywhere::<rsql::Parser>();
//! build_once_share_everywhere::<rsql::Schema>();
//! build_once_share_everywhere::<rsql::Filter>();
//! ```
//!
//! # Input safety & limits
//!
//! The parser is meant for untrusted input, straight from a query string.
//! This crate has no `unsafe` code, and no input (any string, any length)
//! makes the parser panic, overflow the stack, or take more than linear time;
//! it is fuzzed for exactly that (`fuzz/`, replayed by `cargo test`). Each
//! limit below is checked *while* parsing, so hostile input is rejected as
//! soon as it crosses the line, and each has its own error kind that names
//! the configured value:
//!
//! | limit | default | checked | error |
//! |---|---|---|---|
//! | [`Limits::with_max_len`] | 64 KiB | before the first byte is read, in O(1) | [`ParseErrorKind::TooLong`] |
//! | [`Limits::with_max_depth`] | 32 (at most 256) | at the `(` that opens one group too many | [`ParseErrorKind::TooDeep`] |
//! | [`Limits::with_max_comparisons`] | 1024 | at the first comparison over the limit | [`ParseErrorKind::TooManyComparisons`] |
//! | [`Limits::with_max_args`] | 1024 per list | at the first value over the limit | [`ParseErrorKind::TooManyArgs`] |
//! | [`Limits::with_max_value_len`] | 4096 bytes, after unescaping | at the value | [`ParseErrorKind::ValueTooLong`] |
//!
//! * **Depth.** The parser does not recurse per nesting level: open groups
//!   live on a heap-allocated stack, so even 100 000 `(` cannot overflow the
//!   parser's own stack, and are rejected at the 33rd `(` (the default depth
//!   limit) in microseconds. The depth limit protects what comes *after*
//!   parsing: dropping, printing, compiling and evaluating a tree all recurse
//!   once per level, which is why [`Limits::with_max_depth`] is capped at
//!   [`Limits::MAX_DEPTH_CEILING`]. The parentheses of a value list do not
//!   count (lists cannot nest).
//! * **Time.** No production is ever tried and abandoned: each one decides
//!   from the next byte and commits, so every byte is looked at a bounded
//!   number of times (no exponential backtracking on nested groups, the
//!   failure mode of parsers that `alt` over alternatives sharing a prefix).
//!   Wildcard matching never backtracks either: each literal segment of a
//!   pattern is searched once, left to right.
//! * **Length.** An oversized input costs one comparison. The error keeps only
//!   the first `max_len` bytes of it (for the snippet), cut on a character
//!   boundary.
//!
//! What the limits do **not** bound:
//!
//! * the length of a selector (only `max_len` does), and the total number of
//!   values over all lists (`max_args` is per list; `max_len` bounds the sum);
//! * the number of distinct fields: that is a policy, [`Policy::with_max_fields`];
//! * trees that were not parsed: an [`Ast`] built by hand ([`Ast::and`],
//!   [`Ast::or`]) or deserialised from JSON (feature `serde`; serde_json
//!   itself stops at 128 nested JSON containers) is not checked against any
//!   [`Limits`]. To apply them, print it and parse the text:
//!   `parser.parse(&ast.to_string())`.
//!
//! The library default for `max_len` is 64 KiB; a public HTTP endpoint
//! usually wants less (the demo server uses 8 KiB):
//!
//! ```
//! use rsql::{Limits, ParseErrorKind, Parser};
//!
//! let parser = Parser::new().with_limits(Limits::new().with_max_len(8 * 1024));
//! // 100 000 nested groups: refused by the length check, in O(1)
//! let hostile = "(".repeat(100_000);
//! let err = parser.parse(&hostile).unwrap_err();
//! assert_eq!(err.kind(), &ParseErrorKind::TooLong { len: 100_000, limit: 8192 });
//! // with room for the input, the depth guard stops at the 33rd `(`
//! let roomy = Parser::new().with_limits(Limits::new().with_max_len(1 << 20));
//! let err = roomy.parse(&hostile).unwrap_err();
//! assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 32 });
//! assert_eq!(err.offset(), 32);
//! assert_eq!(err.to_string(), "invalid filter: groups are nested 33 deep, the limit is 32");
//! ```
//!
//! # Error reporting
//!
//! One error value has three views, the same for
//! [`ParseError`], [`CompileError`] and the umbrella [`Error`]:
//!
//! 1. **`Display`** (`{}`): one line for logs and JSON messages,
//!    ``invalid filter at column 28: expected a comparison after `;`, found end of input``.
//!    Messages are lowercase, say *expected X, found Y*, put user text in
//!    backticks and truncate it to about 40 characters. Limit errors have no
//!    column (`invalid filter: groups are nested 33 deep, the limit is 32`).
//! 2. **Alternate** (`{:#}`): the same line, then the input indented by four
//!    spaces with carets under the offending span (at least one, also at the
//!    end of the input), then a `help:` line when there is advice: the
//!    nearest operator or field name (`=gte=` → `=ge=`, `nmae` → `name`; a
//!    swap of two letters counts as one edit), `=in=` instead of OR, quoting
//!    for values with spaces. Input with newlines gets a `line L, column C`
//!    header and a line-number gutter instead; control characters show as
//!    `␉`-style pictures so the carets stay aligned.
//! 3. **Structured**: [`ParseError::kind`], [`ParseErrorKind::code`] (stable
//!    snake_case), [`ParseErrorKind::category`], [`ParseError::span`] /
//!    [`offset`](ParseError::offset) / [`len`](ParseError::len) (bytes),
//!    [`column`](ParseError::column) (1-based, in characters),
//!    [`message`](ParseError::message) (the line without its prefix),
//!    [`help`](ParseError::help), [`input`](ParseError::input) and
//!    [`auxiliary_span`](ParseError::auxiliary_span) (where an unclosed group,
//!    list or quote should have ended), and [`snippet`](ParseError::snippet)
//!    (what `{:#}` shows under the message, without its indent). The
//!    umbrella [`Error`] answers the same questions for either kind:
//!    [`Error::code`], [`Error::category`] (`schema` for compile errors),
//!    [`Error::message`], [`Error::span`], [`Error::column`],
//!    [`Error::input`], [`Error::help`] and [`Error::snippet`]. An HTTP layer
//!    builds its error body from these, never by parsing the message.
//!
//! | category | codes |
//! |---|---|
//! | `syntax` | `empty`, `expected_comparison`, `expected_selector`, `quoted_selector`, `expected_operator`, `invalid_operator`, `unknown_operator`, `expected_value`, `reserved_char`, `unclosed_quote`, `empty_list`, `unclosed_list`, `expected_list_separator`, `unclosed_group`, `unmatched_paren`, `expected_separator`, `arity` |
//! | `limit` | `too_long`, `too_deep`, `too_many_comparisons`, `too_many_args`, `value_too_long` |
//! | `policy` | `or_forbidden`, `too_many_fields`, `selector_not_allowed` |
//! | schema ([`CompileErrorKind::code`]) | `unknown_field`, `missing_key`, `invalid_key`, `unknown_operator`, `operator_not_allowed`, `wrong_arity`, `type_mismatch`, `bad_timestamp`, `bad_enum_value`, `wildcard_not_allowed`, `nul_in_value`, `empty_group` |
//!
//! Each [`ParseErrorKind`] and [`CompileErrorKind`] variant's documentation
//! shows a filter that triggers it. Both kind enums are `#[non_exhaustive]`.
//!
//! ```
//! use rsql::{ParseErrorKind, Span};
//!
//! let err = rsql::parse("conversation.type==meeting;").unwrap_err();
//! // 1. one line
//! assert_eq!(
//!     err.to_string(),
//!     "invalid filter at column 28: expected a comparison after `;`, found end of input"
//! );
//! // 2. with the snippet
//! assert_eq!(
//!     format!("{err:#}"),
//!     "invalid filter at column 28: expected a comparison after `;`, found end of input\n    \
//!      conversation.type==meeting;\n    \
//!      \x20                          ^"
//! );
//! // 3. structured
//! assert_eq!(err.kind(), &ParseErrorKind::ExpectedComparison { after: Some(";") });
//! assert_eq!((err.kind().code(), err.kind().category()), ("expected_comparison", "syntax"));
//! assert_eq!((err.offset(), err.len(), err.column()), (27, 0, 28));
//! assert_eq!(err.snippet(), "conversation.type==meeting;\n                           ^");
//!
//! // a near-miss operator, with its suggestion
//! let err = rsql::parse("conversation.startTime=gte=2021-03-01").unwrap_err();
//! assert_eq!(err.span(), Span::new(22, 27));
//! assert_eq!(
//!     format!("{err:#}"),
//!     "invalid filter at column 23: unknown operator `=gte=`\n    \
//!      conversation.startTime=gte=2021-03-01\n    \
//!      \x20                     ^^^^^\n\
//!      help: did you mean `=ge=`?"
//! );
//! ```
//!
//! A [`CompileError`] keeps the span of the token it blames, but an [`Ast`]
//! does not hold its input text: attach it with [`CompileError::with_input`]
//! (or use [`Schema::compile_str`], which does) to get columns and carets.
//! Until then `Display` says `at offset N`.
//!
//! ```
//! use rsql::{Field, FieldType, Schema};
//!
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.startTime", FieldType::Timestamp))
//!     .field(Field::new("metadata.score", FieldType::Float))
//!     .build()
//!     .expect("a valid schema");
//! let input = "metadata.score=gt=high";
//! let err = schema.compile(&rsql::parse(input)?).unwrap_err().with_input(input);
//! assert_eq!(err.code(), "type_mismatch");
//! assert_eq!(
//!     format!("{err:#}"),
//!     "invalid filter at column 19: `metadata.score` compares numerically, `high` is not a number\n    \
//!      metadata.score=gt=high\n    \
//!      \x20                 ^^^^"
//! );
//! // the umbrella error: `?` converts both kinds, the accessors still work
//! let err: rsql::Error = err.into();
//! assert_eq!((err.span().start, err.column()), (18, 19));
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Schema and types
//!
//! A [`Schema`] lists the fields a filter may name. Build it once with
//! [`Schema::builder`]; each [`Field`] has a selector name, a [`FieldType`],
//! a kind, the operators it allows, whether it is sortable, its SQL
//! expression and its MongoDB path (the [`schema`] module has the details).
//!
//! | [`FieldType`] | literal | record value ([`FieldValue`]) |
//! |---|---|---|
//! | `String` | any text; `*` is a wildcard in `==`, `!=`, `=ic=` and the `like` family | `Str` |
//! | `Timestamp` | RFC 3339 with any offset and any number of fractional digits, or `YYYY-MM-DD` (midnight UTC); compared exactly | `Time` (epoch ms) |
//! | `Integer` | an `i64` | `Int` |
//! | `Float` | a finite `f64` | `Float` (or `Int`) |
//! | `Bool` | `true` / `false` | `Bool` |
//! | `Enum(values)` | one of the declared values, exactly | `Str` |
//!
//! * **Plain** fields ([`Field::new`]) hold one value or none.
//! * **Multi-valued** fields ([`Field::multi_valued`], e.g. `members.email`)
//!   hold any number of values; [`Record::each`] visits them.
//! * **Dynamic** fields ([`Field::dynamic`], e.g. `conversation.metadata`) are
//!   string maps whose keys are not known in advance: `conversation.metadata.agentId`
//!   reaches key `agentId`, and the record receives it in [`FieldRef::key`].
//! * **Aliases** ([`SchemaBuilder::alias`]) rename a field or a whole path
//!   prefix: `alias("metadata", "conversation.metadata")`.
//! * Per field: [`Field::operators`] narrows the operators (by default, all
//!   that the type supports), [`Field::sortable`] marks sort keys ([`SortRules`]),
//!   [`Field::numeric_strings`] makes string ordering numeric when both sides
//!   are decimal numbers, [`Field::wildcards`] turns `*` off.
//!
//! Compiling reports a [`CompileError`] with the span of the token it blames
//! for an unknown field (with the nearest name), an operator the field does
//! not allow, a wrong number of values, a literal of the wrong type, a bad
//! timestamp, an enum value not in the list, or a misplaced wildcard; never a
//! panic, never a silent `false`.
//!
//! ```
//! use rsql::{CompileErrorKind, Field, FieldType, Op, Schema};
//!
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.startTime", FieldType::Timestamp).sortable())
//!     .field(Field::new("conversation.type", FieldType::enumeration(["meeting", "call"]))
//!         .operators([Op::Eq, Op::Ne, Op::In, Op::Out]))
//!     .field(Field::new("conversation.name", FieldType::String))
//!     .field(Field::new("members.email", FieldType::String).multi_valued())
//!     .field(Field::dynamic("conversation.metadata", FieldType::String))
//!     .alias("metadata", "conversation.metadata")
//!     .build()
//!     .expect("a valid schema");
//!
//! // timestamps with any offset become one instant
//! let f = schema.compile(&rsql::parse("conversation.startTime=ge=2021-03-01T02:00:00+02:00")?)?;
//! assert_eq!(f.to_string(), "conversation.startTime=ge=2021-03-01T00:00:00.000Z");
//!
//! let err = |input: &str| schema.compile(&rsql::parse(input).unwrap()).unwrap_err().with_input(input);
//! assert_eq!(
//!     err("conversation.type==metting").to_string(),
//!     "invalid filter at column 20: `metting` is not a value of `conversation.type`"
//! );
//! assert_eq!(err("conversation.type==metting").help().as_deref(), Some("did you mean `meeting`?"));
//! assert!(matches!(err("conversation.type=gt=call").kind(), CompileErrorKind::OperatorNotAllowed { .. }));
//! assert!(matches!(err("conversation.startTime=ge=yesterday").kind(), CompileErrorKind::BadTimestamp { .. }));
//! assert_eq!(err("conversation.nmae==x").help().as_deref(), Some("did you mean `conversation.name`?"));
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Semantics
//!
//! [`Filter::matches`], the SQL and the MongoDB emitters implement the same
//! semantics (the SQL emitter is checked against SQLite by a differential
//! test). Every negative operator is exactly the negation of its positive
//! counterpart, which fixes what happens to records without a value and to
//! multi-valued fields:
//!
//! | operator | holds when the value … | missing value | multi-valued field |
//! |---|---|---|---|
//! | `==` | equals the literal; with `*`: matches the wildcard pattern | false | **any** value matches |
//! | `!=` | does not (the negation of `==`) | **true** | **no** value matches |
//! | `=lt=` `=le=` `=gt=` `=ge=` | orders before / after the literal | false | any value |
//! | `=in=` | equals one of the literals | false | any value |
//! | `=out=` | equals none of them | **true** | no value |
//! | `=like=` / `=ilike=` | contains the literal (`*` inside is a wildcard; `ilike`: ASCII case-insensitive) | false | any value |
//! | `=notlike=` | does not contain it | **true** | no value |
//! | `=ic=` | equals it, ASCII case-insensitive | false | any value |
//! | `=bt=(lo,hi)` | lies in `lo ≤ x ≤ hi` | false | one value within both bounds |
//! | `=nb=(lo,hi)` | lies outside | **true** | no value within |
//! | `=isnull=true`, `=notnull=false` | is missing | **true** | no value at all |
//! | `=isnull=false`, `=notnull=true` | is present | false | some value |
//!
//! * **Comparison by type**: strings by bytes (= code point order);
//!   timestamps by instant, exactly: records hold whole milliseconds, and a
//!   literal finer than that is compared as written, not truncated. So
//!   `t==2021-01-01T00:00:00.0005Z` matches nothing (no stored instant is
//!   that one), `t!=` of it matches every record, `t=ge=` of it starts at
//!   `…00.001Z` and `t=le=` of it ends at `…00.000Z`; `=in=`/`=out=` ignore
//!   such values; before 1970 too (`1969-12-31T23:59:59.9995Z` lies between
//!   `-1` and `0` ms). The compiled filter holds the rounded milliseconds, as
//!   [`Filter::time_bounds`] and `Display` show; integers and floats
//!   numerically; bool and enum fields take only equality, lists and null
//!   tests. A record value of another type than the field's never satisfies a
//!   positive test.
//! * **Numbers in string maps**: on a field declared with
//!   [`Field::numeric_strings`] (typically `metadata.*`, whose values are all
//!   strings), ordering and `=bt=` compare **numerically when both the stored
//!   value and the literal are decimal numbers** (`-?[0-9]+(\.[0-9]+)?`), and
//!   as strings otherwise; equality stays textual (`1.0` ≠ `1`). Without it,
//!   `"10" < "9"`.
//! * **Wildcards**: in `==`/`!=` (and `=ic=`, `=like=` …) on string fields,
//!   each `*` matches any run of characters, possibly empty: `Sales*`
//!   (prefix), `*sync` (suffix), `*sync*` (contains), `a*b*c`. A literal star
//!   is `\*` (`name==2\*3`, `name=="2\*3"`); `=in=`, ordering and `=bt=` values
//!   may not contain a wildcard star (a compile error, not a silent literal).
//! * **U+0000 (NUL)** in a value is a compile error (`nul_in_value`): SQLite's
//!   `GLOB` stops at it and PostgreSQL refuses text holding it, so no backend
//!   could compare it as written.
//! * **Case folding** (`=ic=`, `=ilike=`) covers ASCII letters only, as
//!   SQLite's `LIKE` and `lower()` do, so the emitters can match it exactly.
//!
//! ```
//! use rsql::{Field, FieldId, FieldRef, FieldType, FieldValue, Operators, Parser, Policy, Record, Schema};
//!
//! struct Row { name: &'static str, emails: Vec<&'static str>, score: Option<&'static str> }
//! impl Record for Row {
//!     fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
//!         match (field.id.index(), field.key) {
//!             (0, _) => FieldValue::Str(self.name),
//!             (2, Some("score")) => self.score.map_or(FieldValue::Missing, FieldValue::Str),
//!             _ => FieldValue::Missing,
//!         }
//!     }
//!     fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
//!         match field.id.index() {
//!             1 => self.emails.iter().any(|e| f(FieldValue::Str(e))),
//!             _ => f(self.get(field)),
//!         }
//!     }
//! }
//! let schema = Schema::builder()
//!     .field(Field::new("name", FieldType::String))
//!     .field(Field::new("members.email", FieldType::String).multi_valued())
//!     .field(Field::dynamic("metadata", FieldType::String).numeric_strings())
//!     .build()
//!     .expect("a valid schema");
//! let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
//! let row = Row { name: "Sales*Brainstorm", emails: vec!["a@x.io", "b@y.io"], score: Some("10") };
//! let holds = |filter: &str| -> Result<bool, rsql::Error> {
//!     Ok(schema.compile_str(&parser, filter)?.matches(&row))
//! };
//! assert!(holds("name==Sales*")?);                  // prefix wildcard
//! assert!(holds(r#"name=="Sales\*Brainstorm""#)?);  // a literal star
//! assert!(!holds(r#"name=="Sales\*""#)?);           // … which is not a wildcard
//! assert!(holds("members.email==*@y.io")?);         // any member
//! assert!(!holds("members.email!=a@x.io")?);        // no member may match
//! assert!(holds("metadata.score=gt=9")?);           // numerically 10 > 9
//! assert!(holds("metadata.score=lt=9.5x")?);        // not a number: "10" < "9.5x"
//! assert!(!holds("metadata.region==emea")?);        // missing: == is false
//! assert!(holds("metadata.region!=emea")?);         // missing: != is true
//! assert!(holds("metadata.region=isnull=true")?);
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Emitters
//!
//! The same [`Filter`] becomes a query for a database, with the semantics
//! above (see [`emit`] for the exact translation).
//!
//! **SQL** ([`Filter::to_sql`] with [`SqlOptions`]) returns a [`SqlWhere`]:
//! a condition without the `WHERE` keyword, and typed [`SqlParam`]s to bind
//! in order. Column expressions come only from the schema
//! ([`Field::sql_column`], [`Field::sql_exists`] for multi-valued fields in a
//! child table, [`Field::sql_json`] / [`Field::sql_template`] for dynamic
//! maps, [`Field::sql_json_path`] inside a JSON document); every literal and
//! every wildcard pattern goes into `params`. Values only ever reach `params`;
//! a dynamic key is inlined as a SQL string literal (`c.metadata->>'agentId'`)
//! only after it was validated at compile time (letters, digits, `_`, `-`),
//! so an expression index serves it. [`Field::sql_type`] says how a column
//! stores values ([`SqlType`]: epoch-ms, `timestamptz`, `numeric`, `jsonb`, …)
//! and parameters are emitted in that type.
//!
//! * Placeholders: [`SqlOptions::postgres`] numbers them `$1, $2, …` (start
//!   elsewhere with [`SqlOptions::with_first_placeholder`]);
//!   [`SqlOptions::sqlite`] writes `?`.
//! * Negations are `(e IS NULL OR NOT (…))`, so `!=` and `=out=` hold for
//!   missing values; multi-valued fields become `EXISTS (SELECT 1 FROM … )`
//!   and their negations `NOT EXISTS`.
//! * Wildcards: PostgreSQL gets `LIKE $n ESCAPE '\'` with `%`, `_` and `\`
//!   escaped in the parameter. SQLite's `LIKE` ignores ASCII case unless
//!   `PRAGMA case_sensitive_like = ON`, so SQLite gets `GLOB ?` (with `*`,
//!   `?` and `[` escaped as `[*]`, `[?]`, `[[]`), which is case-sensitive
//!   whatever the pragma; [`SqlOptions::with_sqlite_like`] switches to
//!   `LIKE ? ESCAPE '\'` for connections that set it.
//! * A field without a SQL mapping is an [`EmitError`] (a schema bug, not bad
//!   input).
//!
//! Your own tables, end to end with one-call binding: `docs/databases.md` in the repository.
//!
//! **MongoDB** (`Filter::to_mongo`, feature `mongo`) returns a
//! `serde_json::Value` query document: `$and` / `$or`, `$eq`, `$in`, `$gt` …
//! conditions, timestamps as extended JSON `{"$date": "…"}`, negations
//! (`!=`, `=out=`, …) as `$not`, or `$nor` around a test of several
//! conditions (both also match documents without the field, as the
//! semantics require; a [`Missing::MatchesNothing`] field adds a presence
//! test), wildcards as an anchored, regex-escaped `$regex` (`\A…\z`),
//! `$elemMatch` for multi-valued fields and `$exists` for null tests.
//! Numeric ordering of decimal strings is exact and stays in the query
//! language: a `$regex` built from the literal's digits matches the decimals
//! above (or below) it, so no user text ever reaches an `$expr`.
//! `Filter::to_bson` (feature `bson`) gives the same query as a
//! `bson::Document` with real dates and 64-bit integers.
//!
//! ```
//! use rsql::{Field, FieldType, Schema, SqlOptions, SqlParam};
//!
//! let schema = Schema::builder()
//!     .field(Field::new("conversation.name", FieldType::String)
//!         .sql_column("c.name")
//!         .mongo_path("name"))
//!     .field(Field::new("members.email", FieldType::String)
//!         .multi_valued()
//!         .sql_exists("members m", "m.conversation_id = c.id", "m.email")
//!         .mongo_elem("members", "email"))
//!     .build()
//!     .expect("a valid schema");
//! let filter = schema.compile(&rsql::parse("conversation.name==*50%_off*;members.email!=bob@x.io")?)?;
//!
//! let pg = filter.to_sql(&SqlOptions::postgres()).expect("mapped");
//! assert_eq!(
//!     pg.sql,
//!     r"c.name LIKE $1 ESCAPE '\' AND NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email = $2)"
//! );
//! assert_eq!(pg.params, [SqlParam::Text(r"%50\%\_off%".into()), SqlParam::Text("bob@x.io".into())]);
//!
//! let lite = filter.to_sql(&SqlOptions::sqlite()).expect("mapped");
//! assert!(lite.sql.starts_with("c.name GLOB ? AND NOT EXISTS"));
//! assert_eq!(lite.params[0], SqlParam::Text("*50%_off*".into()));
//! let like = filter.to_sql(&SqlOptions::sqlite().with_sqlite_like(true)).expect("mapped");
//! assert!(like.sql.starts_with(r"c.name LIKE ? ESCAPE '\'"));
//!
//! #[cfg(feature = "mongo")]
//! assert_eq!(
//!     filter.to_mongo(),
//!     serde_json::json!({"$and": [
//!         {"name": {"$regex": r"\A.*50\%\_off.*\z", "$options": "s"}},
//!         {"members": {"$not": {"$elemMatch": {"email": {"$eq": "bob@x.io"}}}}},
//!     ]})
//! );
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Whole queries
//!
//! [`SortRules`] parse the API syntax of a sort (`-a,+b,c`, at most N keys,
//! a tie-break field appended) into a [`Sort`] over the schema's sortable
//! fields; [`Query`] puts a filter, a sort, `limit` and `offset` together,
//! and runs in memory over a slice ([`Query::apply`]) or becomes the tail of
//! a SQL statement ([`Query::to_sql`]: `WHERE … ORDER BY … LIMIT … OFFSET …`),
//! with the same rows in the same order: a missing value sorts last
//! ascending and first descending, strings by bytes. [`Query::after`] pages
//! by keyset from a [`Cursor`] instead of an offset. See [`query`].
//!
//! # Crate features
//!
//! No feature is on by default; without features the only dependencies are
//! `nom`, `memchr` and `chrono`.
//!
//! * **`serde`**: `Serialize` / `Deserialize` for [`Ast`] in the canonical
//!   JSON of the AST: `{"selector": "a", "op": "=lt=", "args": ["1"]}`
//!   for a comparison (canonical operator, `args` always a list of unescaped
//!   strings) and `{"and": […]}` / `{"or": […]}` for groups.
//! * **`mongo`**: `Filter::to_mongo` (adds `serde_json`).
//! * **`bson`**: `Filter::to_bson`, the Mongo query as a `bson::Document` with
//!   BSON dates and Int64 (turns on `mongo`, adds `bson`).
//! * **`schema-file`**: [`SchemaFile`], [`Schema::from_toml_str`] and
//!   [`Schema::from_json_str`]: a schema and its parser's policy and limits
//!   described in a TOML or JSON file (see [Schema files](#schema-files);
//!   adds `serde`, `serde_json`, `toml` and `serde_path_to_error`).
//! * **`postgres`**: `postgres_types::ToSql` for [`SqlParam`] and
//!   `SqlWhere::postgres_params`, for the `postgres` and `tokio-postgres`
//!   drivers (adds `postgres-types` and `bytes`; see the `bind` module).
//! * **`rusqlite`**: `rusqlite::ToSql` for [`SqlParam`] and
//!   `SqlWhere::rusqlite_params` (adds `rusqlite` 0.41, without choosing how
//!   SQLite is linked).
//! * **`sqlx-postgres`**, **`sqlx-sqlite`** (both: **`sqlx`**): sqlx 0.9's
//!   `Encode` for [`SqlParam`] and `SqlWhere::bind_sqlx` (adds `sqlx` with
//!   `runtime-tokio` and `chrono`, no TLS, no macros).
//! * **`cli`**: the `rsql` binary (see [Command line](#command-line); turns
//!   on `serde`, `mongo` and `schema-file`, and adds `clap`).
//! * **`derive`**: `#[derive(rsql::Record)]` (crate `rsql-derive`) writes
//!   the [`Record`] impl of a struct and its [`Schema`] ([`RecordSchema`]),
//!   numbering the fields itself: `#[rsql(name = "conversation.startTime",
//!   timestamp, sortable, sql = "c.start_ms", mongo = "startTime")]` and so
//!   on per field, `Vec`s as multi-valued fields, maps as dynamic ones,
//!   nested records and lists of records (`members.email`); no hand-numbered
//!   [`FieldId`] left to drift from the schema.
//! * **`json`**: `JsonRecord`, a `serde_json::Value` read as a [`Record`]
//!   through the schema's MongoDB paths (turns on `mongo`).
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! let ast = rsql::parse("a<1 and (b==x or c=in=y)")?;
//! let json = serde_json::to_string(&ast).expect("serialisable");
//! assert_eq!(
//!     json,
//!     r#"{"and":[{"selector":"a","op":"=lt=","args":["1"]},{"or":[{"selector":"b","op":"==","args":["x"]},{"selector":"c","op":"=in=","args":["y"]}]}]}"#
//! );
//! let back: rsql::Ast<'_> = serde_json::from_str(&json).expect("canonical JSON");
//! assert_eq!(back, ast);
//! # }
//! # Ok::<(), rsql::Error>(())
//! ```
//!
//! # Schema files
//!
//! With the `schema-file` feature, a [`Schema`] and the [`Parser`] that goes
//! with it (its [`Policy`] and [`Limits`]) can be described in a TOML or JSON
//! file instead of Rust, so that a service and its tools load the same
//! declarations. Each key maps to one builder call; unknown keys and bad
//! values are errors that name the file, the line and column, and the key.
//! The format is described in [`schema::file`]; the crate ships the
//! conversation schema of the demo server as `examples/conversation.toml`
//! (and `.json`).
//!
//! ```
//! # #[cfg(feature = "schema-file")] {
//! let file = rsql::SchemaFile::from_toml_str(r#"
//!     [policy]
//!     forbid_or = true
//!
//!     [[fields]]
//!     name = "conversation.startTime"
//!     type = "timestamp"
//!     sql = { column = "c.start_ms" }
//!     mongo = { path = "startTime" }
//! "#)?;
//! let filter = file.compile("conversation.startTime=ge=2021-03-01")?;
//! assert_eq!(filter.to_sql(&rsql::SqlOptions::sqlite())?.sql, "c.start_ms >= ?");
//!
//! let err = rsql::Schema::from_toml_str("[[fields]]\nname = \"a\"\ntype = \"text\"\n").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "3:8: fields[0].type: unknown variant `text`, \
//!      expected one of `string`, `timestamp`, `integer`, `float`, `bool`, `enum`"
//! );
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Command line
//!
//! With the `cli` feature (`cargo install --path rsql --features cli`), the
//! `rsql` tool checks and translates filters from the shell and from scripts:
//!
//! ```text
//! rsql parse [--json] [--ops standard|extended|any] [--policy symbl] [FILTER|-]
//! rsql check --schema FILE [FILTER|-]       the filter as the schema reads it
//! rsql sql   --schema FILE [--dialect postgres|sqlite] [--json] [FILTER|-]
//! rsql mongo --schema FILE [--pretty] [FILTER|-]
//! rsql <any of these> --batch [--plain]     one filter per stdin line, one JSON answer per line
//! ```
//!
//! * The filter is the FILTER argument; `-`, or no FILTER while stdin is a
//!   pipe, reads it from stdin (the whole input, minus one trailing line
//!   ending, at most 1 MiB): `echo 'a==1' | rsql parse`.
//! * `--batch` reads one filter per line, as a JSON string (so TABs, NBSP and
//!   quotes survive) or with `--plain` as UTF-8 text, and answers each with one
//!   JSON object: `{"ok":true,"ast":…}` (`parse`), `{"ok":true,"filter":"…"}`
//!   (`check`), `{"ok":true,"sql":"…","params":[{"type":"text","value":"…"},…]}`
//!   (`sql`), `{"ok":true,"query":{…}}` (`mongo`), or
//!   `{"ok":false,"error":{"kind":"…","message":"…","offset":N,"length":N}}`
//!   (`kind` is the error's [`Error::code`], or `invalid_utf8` for a
//!   `--plain` line that is not UTF-8, or `no_sql_mapping`, which has no
//!   span: offset and length 0). Blank lines are skipped.
//! * `check`, `sql` and `mongo` take their parser (operators, OR, field
//!   count, allow-list, limits) from the schema file's `[policy]` and
//!   `[limits]`.
//! * Exit status: 0 done; 1 the filter is invalid (the caret rendering of
//!   [Error reporting](#error-reporting) on stderr) or names a field without
//!   a SQL mapping; 2 usage error, a schema file that cannot be loaded (its
//!   `file:line:column: key: message` on stderr), or unreadable input. In
//!   batch mode invalid filters are answered on stdout and the exit status
//!   is 0 unless the input is unreadable.
//!
//! # Choices and deviations
//!
//! Where this crate differs from the reference parser, or where a choice was
//! not obvious, it is deliberate:
//!
//! * **TAB, CR and LF are whitespace.** The reference lexer makes a TAB or
//!   newline *next to* a bare word part of the word (`a==b<TAB>c` gives the
//!   value `"b\tc"`); here they separate tokens like a space, so
//!   `a<TAB>==1` is `a==1` and `a==b<TAB>c` is an error. Quote values that
//!   contain them.
//! * **` or ` separates list items** (`a=in=(x or y)` is `a=in=(x,y)`), as in
//!   the reference parser and `@rsql/parser`.
//! * **`=in=` and `=out=` always print with parentheses**, even with one
//!   value (`a=in=x` prints `a=in=(x)`); other operators print a single value
//!   bare (`a==(x)` prints `a==x`). The trees are equal either way:
//!   equality ignores spans, quote kinds and whether a single value had
//!   parentheses.
//! * **Canonical printing** uses `;`, `,` and FIQL operator names, adds
//!   parentheses only around an OR inside an AND, and quotes a value only when
//!   it must (empty, reserved character, whitespace, or a literal `\*`), with
//!   the quote kind that needs fewer escapes (`"` on a tie).
//!   `parse(&ast.to_string()) == ast` for every normalised tree (checked by
//!   property tests and a fuzz target).
//! * **JSON loses literal-star information.** The canonical JSON has plain
//!   strings, so after a JSON round trip every `*` is a wildcard (`"2\*3"`
//!   comes back as the pattern `2*3`); spans and quote kinds are not
//!   serialised either. Deserialisation accepts any operator symbol (as
//!   [`Operator::Custom`]) and, like a hand-built tree, is not checked against
//!   [`Limits`] or a [`Policy`].
//! * **`Operators::any`** treats every unknown `=letters=` symbol as
//!   multi-valued (`at least 1`) and allocates its symbol per comparison;
//!   registered operators share one `Arc` from the registry.
//! * **Policy aliases are text prefixes** ([`Policy::with_alias`]`("metadata.",
//!   "conversation.metadata.")`, end them with `.`), while schema aliases are
//!   whole path segments ([`SchemaBuilder::alias`]`("metadata", "conversation.metadata")`).
//! * **Compiled filters print normalised literals**: a [`Filter`] prints
//!   canonical field names and its typed literals, not the input text. Dates
//!   print as RFC 3339 instants, ranges are inclusive (`n>+5` on an integer
//!   field prints `n=ge=6`, `t=lt=2021-03-01` prints
//!   `t=le=2021-02-28T23:59:59.999Z`), and ordering comparisons on one field
//!   inside an AND merge into one range.
//! * **Errors copy their input** (at most `max_len` bytes) so they can render
//!   snippets after the input is gone; [`ParseError`] and [`CompileError`] are
//!   one pointer wide, so `Result<Ast, ParseError>` stays small.
//! * **Developer errors are separate**: [`SchemaError`], [`OperatorError`] and
//!   [`EmitError`] describe mistakes in the code that sets things up, found
//!   once at start-up, and are not part of [`Error`], which only describes
//!   what is wrong with a filter (and so maps to HTTP 400 in a service).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ast;
#[cfg(any(
    feature = "postgres",
    feature = "rusqlite",
    feature = "sqlx-postgres",
    feature = "sqlx-sqlite"
))]
pub mod bind;
pub mod emit;
mod error;
pub mod eval;
pub mod filter;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "json")]
mod json_record;
mod limits;
mod operators;
mod parser;
mod pattern;
mod policy;
mod print;
pub mod query;
mod record_schema;
pub mod schema;
#[cfg(feature = "serde")]
mod serde_impl;
mod suggest;

pub use ast::{Args, Ast, Comparison, Operator, Quote, Selector, Span, Value};
#[cfg(any(
    feature = "postgres",
    feature = "rusqlite",
    feature = "sqlx-postgres",
    feature = "sqlx-sqlite"
))]
pub use bind::BindError;
pub use emit::sql::{EmitError, SqlDialect, SqlOptions, SqlParam, SqlWhere};
pub use error::{CompileError, CompileErrorKind, Error, Expected, ParseError, ParseErrorKind};
pub use eval::{FieldValue, Record};
pub use filter::{Conjunct, Filter};
#[cfg(feature = "json")]
pub use json_record::JsonRecord;
pub use limits::Limits;
pub use operators::{Arity, OperatorError, Operators};
pub use parser::Parser;
pub use policy::Policy;
pub use print::Sexpr;
pub use query::{
    Cursor, CursorError, CursorValue, DEFAULT_MAX_SORT_KEYS, Direction, Query, Sort, SortError,
    SortErrorKind, SortKey, SortRules, SortRulesError, SqlTail,
};
pub use record_schema::RecordSchema;
#[doc(hidden)]
pub use record_schema::private as __private;
#[cfg(feature = "derive")]
pub use rsql_derive::Record;
#[cfg(feature = "schema-file")]
pub use schema::file::{SchemaFile, SchemaFileError, SchemaFileErrorKind, SchemaFormat};
pub use schema::{
    Field, FieldId, FieldRef, FieldType, Missing, Op, Schema, SchemaBuilder, SchemaError, SqlType,
};

/// Parses `input` with the default [`Limits`] and the permissive default
/// [`Policy`] (standard operators, no service rules).
///
/// The tree borrows from `input` where no escape had to be resolved.
///
/// ```
/// let ast = rsql::parse("conversation.type==meeting;conversation.startTime=ge=2021-03-01")?;
/// assert_eq!(ast.comparisons().count(), 2);
/// assert!(rsql::parse("conversation.type==").is_err());
/// # Ok::<(), rsql::Error>(())
/// ```
pub fn parse(input: &str) -> Result<Ast<'_>, ParseError> {
    Parser::new().parse(input)
}

/// The crate README, compiled as doctests so its examples cannot rot
/// (toml_parser's `ReadmeDoctests` trick); exists only under `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The manual's "Running filters on your database" page (`docs/databases.md`), compiled and run as doctests.
#[cfg(all(
    doctest,
    feature = "postgres",
    feature = "rusqlite",
    feature = "sqlx-postgres",
    feature = "sqlx-sqlite",
    feature = "derive",
    feature = "json",
    feature = "schema-file"
))]
#[doc = include_str!("../../docs/databases.md")]
pub struct DatabasesManualDoctests;
