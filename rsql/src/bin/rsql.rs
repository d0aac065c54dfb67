//! `rsql`: check and normalise RSQL filters from the command line.
//!
//! ```text
//! rsql parse [--json] [--ops standard|extended|any] [--policy symbl] FILTER
//!     prints canonical RSQL (or the canonical AST JSON with --json); exit 0.
//!     On error: the caret rendering on stderr, exit 1.
//! rsql parse --batch [--ops …] [--policy …]
//!     reads JSON Lines on stdin, each line a JSON string holding one filter,
//!     and writes one JSON object per line on stdout, in order:
//!       {"ok":true,"ast":<canonical AST>}
//!       {"ok":false,"error":{"kind":"…","message":"…","offset":<byte>,"length":<bytes>}}
//!     exit 0 when every line was read (individual filters may fail);
//!     exit 2 on unreadable input.
//! ```
//!
//! Batch-mode decisions (the contract of `shared/spec/rsql.md` §5 leaves them open):
//!
//! * A line holding only whitespace (including a trailing blank line) is
//!   skipped and produces no output; every other line produces exactly one.
//! * A line that is not valid UTF-8, not valid JSON, or JSON but not a single
//!   string (`42`, `["a==1"]`, `{"filter":…}`), or a string with an unpaired
//!   surrogate escape, is *unreadable*: the lines before it have already been
//!   answered on stdout, `rsql: stdin line N: …` goes to stderr, and the tool
//!   stops with exit 2 without reading further.
//! * `--json` is implied by `--batch` and accepted alongside it.
//! * Output is flushed whenever no further input is buffered, so `rsql parse
//!   --batch` can be driven one line at a time as a co-process.
//!
//! Usage errors (unknown flag, missing FILTER) are reported by clap with exit 2.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use clap::{Args, Parser as ClapParser, Subcommand, ValueEnum};
use serde::Serialize;

/// Check and normalise RSQL/FIQL filters.
#[derive(Debug, ClapParser)]
#[command(name = "rsql", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse a filter and print it in canonical form (RSQL, or JSON with --json).
    ///
    /// Exit status: 0 parsed, 1 the filter is invalid (rendering on stderr),
    /// 2 usage error or unreadable --batch input.
    Parse(ParseArgs),
}

#[derive(Debug, Args)]
struct ParseArgs {
    /// Print the canonical AST as JSON instead of canonical RSQL.
    #[arg(long)]
    json: bool,

    /// Operator vocabulary: the standard eight, plus the extended set
    /// (=like=, =between=, …), or any FIQL-shaped operator `=[a-zA-Z]*=`.
    /// Default: the policy's own (standard; extended under --policy symbl).
    #[arg(long, value_enum)]
    ops: Option<Ops>,

    /// Apply a service policy on top of the grammar.
    #[arg(long, value_enum)]
    policy: Option<PolicyName>,

    /// Read JSON Lines from stdin (one JSON string per line) and write one
    /// JSON result object per line to stdout.
    #[arg(long, conflicts_with = "filter")]
    batch: bool,

    /// The filter to parse, e.g. 'conversation.type==meeting;metadata.agentId=in=(a,b)'.
    #[arg(required_unless_present = "batch", allow_hyphen_values = true)]
    filter: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Ops {
    /// `==`, `!=`, `=lt=`/`<`, `=le=`/`<=`, `=gt=`/`>`, `=ge=`/`>=`, `=in=`, `=out=`.
    Standard,
    /// The standard eight plus `=like=`, `=ilike=`, `=ic=`, `=bt=`, `=isnull=`, … and their aliases.
    Extended,
    /// Every syntactically valid FIQL operator, as a custom multi-valued operator.
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PolicyName {
    /// The Symbl-style API: no OR, at most two distinct fields, its selector list.
    Symbl,
}

fn build_parser(args: &ParseArgs) -> rsql::Parser {
    let mut policy = match args.policy {
        Some(PolicyName::Symbl) => rsql::Policy::symbl(),
        None => rsql::Policy::new(),
    };
    if let Some(ops) = args.ops {
        policy = policy.with_operators(match ops {
            Ops::Standard => rsql::Operators::standard(),
            Ops::Extended => rsql::Operators::extended(),
            Ops::Any => rsql::Operators::any(),
        });
    }
    rsql::Parser::new().with_policy(policy)
}

/// One line of `--batch` output.
#[derive(Serialize)]
#[serde(untagged)]
enum BatchResult<'a> {
    Ok { ok: bool, ast: &'a rsql::Ast<'a> },
    Err { ok: bool, error: BatchError<'a> },
}

#[derive(Serialize)]
struct BatchError<'a> {
    kind: &'a str,
    message: String,
    offset: usize,
    length: usize,
}

/// Why `--batch` input could not be read.
#[derive(Debug)]
enum InputError {
    Io(io::Error),
    Line { line: usize, reason: String },
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Io(e) => write!(f, "cannot read stdin: {e}"),
            InputError::Line { line, reason } => write!(f, "stdin line {line}: {reason}"),
        }
    }
}

/// Decodes one JSON Lines line into the filter it holds.
fn decode_line(bytes: &[u8], line: usize) -> Result<String, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| InputError::Line {
        line,
        reason: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
    })?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| InputError::Line {
        line,
        reason: format!("expected a JSON string, found invalid JSON ({e})"),
    })?;
    match value {
        serde_json::Value::String(s) => Ok(s),
        other => Err(InputError::Line {
            line,
            reason: format!("expected a JSON string, found {}", json_type(&other)),
        }),
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Serialises the answer for one filter as a single JSON line.
fn batch_line(parser: &rsql::Parser, filter: &str) -> Result<String, serde_json::Error> {
    match parser.parse(filter) {
        Ok(ast) => serde_json::to_string(&BatchResult::Ok {
            ok: true,
            ast: &ast,
        }),
        Err(err) => serde_json::to_string(&BatchResult::Err {
            ok: false,
            error: BatchError {
                kind: err.kind().code(),
                message: err.message(),
                offset: err.offset(),
                length: err.len(),
            },
        }),
    }
}

fn run_batch(parser: &rsql::Parser) -> Result<(), InputError> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(InputError::Io)? == 0 {
            break;
        }
        line += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let filter = decode_line(&buf, line)?;
        let json = batch_line(parser, &filter).map_err(|e| InputError::Line {
            line,
            reason: format!("cannot serialise the result: {e}"),
        })?;
        writeln!(out, "{json}").map_err(InputError::Io)?;
        if input.fill_buf().map_err(InputError::Io)?.is_empty() {
            out.flush().map_err(InputError::Io)?;
        }
    }
    out.flush().map_err(InputError::Io)
}

fn run_one(parser: &rsql::Parser, filter: &str, json: bool) -> ExitCode {
    let ast = match parser.parse(filter) {
        Ok(ast) => ast,
        Err(err) => {
            eprintln!("{err:#}");
            return ExitCode::from(1);
        }
    };
    let text = if json {
        match serde_json::to_string(&ast) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("rsql: cannot serialise the AST: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        ast.to_string()
    };
    // A closed stdout (`rsql parse … | true`) is not the filter's fault: the
    // exit status still says whether it parsed.
    let _ = writeln!(io::stdout().lock(), "{text}");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse(args) => {
            let parser = build_parser(&args);
            if args.batch {
                match run_batch(&parser) {
                    Ok(()) => ExitCode::SUCCESS,
                    // The reader went away (e.g. `| head`): nothing left to report.
                    Err(InputError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("rsql: {e}");
                        ExitCode::from(2)
                    }
                }
            } else {
                // clap guarantees FILTER is present without --batch.
                let filter = args.filter.as_deref().unwrap_or_default();
                run_one(&parser, filter, args.json)
            }
        }
    }
}
