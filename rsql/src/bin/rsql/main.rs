//! `rsql`: check, normalise and translate RSQL filters from the command line.
//!
//! ```text
//! rsql parse [--json] [--ops standard|extended|any] [--policy symbl] [FILTER|-]
//!     prints canonical RSQL (or the canonical AST JSON with --json); exit 0.
//!     On error: the caret rendering on stderr, exit 1.
//! rsql parse --batch [--plain] [--ops …] [--policy …]
//!     reads one filter per stdin line, a JSON string (JSON Lines) or with
//!     --plain the text itself, and writes one JSON object per line, in order:
//!       {"ok":true,"ast":<canonical AST>}
//!       {"ok":false,"error":{"kind":"…","message":"…","offset":<byte>,"length":<bytes>}}
//!     exit 0 when every line was read (individual filters may fail);
//!     exit 2 on unreadable input.
//! rsql check --schema FILE [FILTER|-]
//!     compiles against the schema file; prints the typed filter; exit 0/1.
//! rsql sql --schema FILE [--dialect postgres|sqlite] [--json] [FILTER|-]
//!     prints the WHERE clause and its parameters.
//! rsql mongo --schema FILE [--pretty] [FILTER|-]
//!     prints the MongoDB query document (JSON).
//! check, sql and mongo take --batch [--plain] too:
//!       {"ok":true,"filter":"…"}   {"ok":true,"sql":"…","params":[…]}   {"ok":true,"query":{…}}
//! ```
//!
//! Where the filter comes from: FILTER; `-` reads it from stdin; with no
//! FILTER and stdin not a terminal (a pipe or a file), stdin too. On stdin
//! the whole input is one filter, minus one trailing line ending (`\n` or
//! `\r\n`), at most [`input::MAX_INPUT`] bytes (more, or input that is not
//! UTF-8, is exit 2).
//!
//! Batch-mode decisions:
//!
//! * A line holding only whitespace (including a trailing blank line) is
//!   skipped and produces no output; every other line produces exactly one.
//! * JSON Lines (the default): a line that is not valid UTF-8, not valid
//!   JSON, or JSON but not a single string (`42`, `["a==1"]`,
//!   `{"filter":…}`), or a string with an unpaired surrogate escape, is
//!   *unreadable*: the lines before it have already been answered on stdout,
//!   `rsql: stdin line N: …` goes to stderr, and the tool stops with exit 2
//!   without reading further.
//! * `--plain`: each line (without `\n` / `\r\n`) is the filter; a line that
//!   is not UTF-8 is answered `{"ok":false,"error":{"kind":"invalid_utf8",…}}`
//!   and the tool goes on.
//! * A line longer than [`input::MAX_INPUT`] bytes is unreadable (exit 2).
//! * `--json` is implied by `--batch` and accepted alongside it.
//! * Output is flushed whenever no further input is buffered, so `rsql parse
//!   --batch` can be driven one line at a time as a co-process.
//!
//! Usage errors (unknown flag, no FILTER with stdin a terminal) and schema
//! files that cannot be loaded exit 2.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod input;
mod job;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser as ClapParser, Subcommand, ValueEnum};

use input::{InputError, Line, LineFormat, Lines};
use job::{Job, Task};

/// Check, normalise and translate RSQL/FIQL filters.
///
/// Schema files (for check, sql and mongo) are described in
/// rsql/docs/schema-file.md (the crate manual's `rsql::schema::file`);
/// rsql/examples/conversation.toml is one. The filter language and the tool
/// are described in rsql/README.md and the crate manual
/// (`cargo doc -p rsql --all-features --open`).
#[derive(Debug, ClapParser)]
#[command(name = "rsql", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse a filter and print it in canonical form (RSQL, or JSON with --json).
    ///
    /// Exit status: 0 parsed, 1 the filter is invalid (rendering on stderr),
    /// 2 usage error or unreadable input.
    Parse(ParseArgs),
    /// Compile a filter against a schema file and print it as the schema reads it.
    ///
    /// Exit status: 0 valid, 1 the filter is invalid (rendering on stderr),
    /// 2 usage error, schema file error or unreadable input.
    Check(CheckArgs),
    /// Print the SQL WHERE clause (without the keyword) and its bound parameters.
    ///
    /// The text form is the clause, then one line per parameter (`$1 = 'x'`
    /// or `?1 = 'x'`; a time is bound as epoch milliseconds). --json prints
    /// {"sql": "…", "params": [{"type": "text|int|float|bool|time|timestamptz|timestamp|numeric", "value": …}]}.
    ///
    /// Exit status: 0 emitted, 1 the filter is invalid or names a field
    /// without a SQL mapping, 2 usage error, schema file error or unreadable input.
    Sql(SqlArgs),
    /// Print the MongoDB query document (JSON).
    ///
    /// Exit status: 0 emitted, 1 the filter is invalid, 2 usage error,
    /// schema file error or unreadable input.
    Mongo(MongoArgs),
}

impl Command {
    fn name_and_input(&self) -> (&'static str, &InputArgs) {
        match self {
            Command::Parse(a) => ("parse", &a.input),
            Command::Check(a) => ("check", &a.input),
            Command::Sql(a) => ("sql", &a.input),
            Command::Mongo(a) => ("mongo", &a.input),
        }
    }
}

/// Where the filters come from.
#[derive(Debug, Args)]
struct InputArgs {
    /// Read one filter per stdin line and write one JSON result object per
    /// line to stdout (lines are JSON strings unless --plain).
    #[arg(long, conflicts_with = "filter")]
    batch: bool,

    /// With --batch: each stdin line is the filter itself (UTF-8 text), not
    /// a JSON string.
    #[arg(long)]
    plain: bool,

    /// The filter, e.g. 'conversation.type==meeting;metadata.agentId=in=(a,b)';
    /// `-` (or no FILTER with stdin a pipe) reads it from stdin.
    #[arg(allow_hyphen_values = true)]
    filter: Option<String>,
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

    #[command(flatten)]
    input: InputArgs,
}

/// The schema file.
#[derive(Debug, Args)]
struct SchemaArgs {
    /// The schema file: fields, types, SQL columns, Mongo paths, operators,
    /// and the parser's policy and limits (TOML or JSON).
    #[arg(long, value_name = "FILE")]
    schema: PathBuf,

    /// The notation of the schema file (default: by its extension, .toml or .json).
    #[arg(long, value_enum, value_name = "FORMAT")]
    schema_format: Option<SchemaFormatArg>,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    schema: SchemaArgs,

    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Args)]
struct SqlArgs {
    #[command(flatten)]
    schema: SchemaArgs,

    /// The SQL dialect: `$n` placeholders and `->>` (postgres), or `?`
    /// placeholders, `json_extract` and GLOB (sqlite).
    #[arg(long, value_enum, default_value_t = Dialect::Postgres)]
    dialect: Dialect,

    /// PostgreSQL: number placeholders from `$N` (when the statement has
    /// earlier parameters); default 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    first_placeholder: Option<u32>,

    /// SQLite: wildcards as `LIKE ? ESCAPE '\'` instead of GLOB (exact only
    /// on connections with `PRAGMA case_sensitive_like = ON`).
    #[arg(long)]
    sqlite_like: bool,

    /// Print {"sql": …, "params": […]} as JSON instead of text.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Args)]
struct MongoArgs {
    #[command(flatten)]
    schema: SchemaArgs,

    /// Indent the JSON over several lines.
    #[arg(long)]
    pretty: bool,

    #[command(flatten)]
    input: InputArgs,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SchemaFormatArg {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

fn parse_parser(args: &ParseArgs) -> rsql::Parser {
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

fn load_schema(args: &SchemaArgs) -> Result<rsql::SchemaFile, rsql::SchemaFileError> {
    let format = args.schema_format.map(|f| match f {
        SchemaFormatArg::Toml => rsql::SchemaFormat::Toml,
        SchemaFormatArg::Json => rsql::SchemaFormat::Json,
    });
    rsql::SchemaFile::read(&args.schema, format)
}

/// The job and the input of the command line, or the exit code of a failure
/// already reported.
fn job(command: Command) -> Result<(Job, InputArgs), ExitCode> {
    let schema = |args: &SchemaArgs| {
        load_schema(args).map_err(|e| {
            match e.kind() {
                rsql::SchemaFileErrorKind::UnknownFormat => {
                    eprintln!("rsql: {e} (--schema-format toml|json)");
                }
                _ => eprintln!("rsql: {e}"),
            }
            ExitCode::from(2)
        })
    };
    Ok(match command {
        Command::Parse(args) => (
            Job {
                parser: parse_parser(&args),
                task: Task::Parse { json: args.json },
            },
            args.input,
        ),
        Command::Check(args) => {
            let (schema, parser) = schema(&args.schema)?.into_parts();
            (
                Job {
                    parser,
                    task: Task::Check { schema },
                },
                args.input,
            )
        }
        Command::Sql(args) => {
            let (schema, parser) = schema(&args.schema)?.into_parts();
            let options = match (args.dialect, args.first_placeholder, args.sqlite_like) {
                (Dialect::Postgres, first, false) => rsql::SqlOptions::postgres()
                    .with_first_placeholder(first.map_or(1, |n| n as usize)),
                (Dialect::Sqlite, None, like) => rsql::SqlOptions::sqlite().with_sqlite_like(like),
                (Dialect::Postgres, _, true) => usage_error(
                    "sql",
                    clap::error::ErrorKind::ArgumentConflict,
                    "--sqlite-like applies to --dialect sqlite",
                ),
                (Dialect::Sqlite, Some(_), _) => usage_error(
                    "sql",
                    clap::error::ErrorKind::ArgumentConflict,
                    "--first-placeholder applies to --dialect postgres (SQLite placeholders are `?`)",
                ),
            };
            (
                Job {
                    parser,
                    task: Task::Sql {
                        schema,
                        options,
                        json: args.json,
                    },
                },
                args.input,
            )
        }
        Command::Mongo(args) => {
            let (schema, parser) = schema(&args.schema)?.into_parts();
            (
                Job {
                    parser,
                    task: Task::Mongo {
                        schema,
                        pretty: args.pretty,
                    },
                },
                args.input,
            )
        }
    })
}

fn run_batch(job: &Job, format: LineFormat) -> Result<(), InputError> {
    let stdin = io::stdin();
    let mut lines = Lines::new(stdin, format);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    while let Some((n, line)) = lines.next_line()? {
        let answer = match line {
            Line::Filter(filter) => job.line(&filter),
            Line::NotUtf8 { offset, len } => Job::not_utf8_line(offset, len),
        };
        let json = answer.map_err(|reason| InputError::Line { line: n, reason })?;
        writeln!(out, "{json}").map_err(InputError::Io)?;
        if !lines.has_buffered() {
            out.flush().map_err(InputError::Io)?;
        }
    }
    out.flush().map_err(InputError::Io)
}

fn run_one(job: &Job, filter: &str) -> ExitCode {
    match job.one(filter) {
        Ok(text) => {
            // A closed stdout (`rsql parse … | true`) is not the filter's
            // fault: the exit status still says whether it was valid.
            let _ = writeln!(io::stdout().lock(), "{text}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{}", failure.render());
            ExitCode::from(if failure.is_filter() { 1 } else { 2 })
        }
    }
}

/// Exits with a clap usage error (exit 2) for subcommand `name`.
fn usage_error(name: &str, kind: clap::error::ErrorKind, message: &str) -> ! {
    let mut cmd = Cli::command();
    let sub = cmd.find_subcommand_mut(name).cloned().unwrap_or_default();
    sub.bin_name(format!("rsql {name}"))
        .error(kind, message)
        .exit()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, input) = cli.command.name_and_input();
    if input.plain && !input.batch {
        usage_error(
            name,
            clap::error::ErrorKind::MissingRequiredArgument,
            "--plain reads --batch lines as text: add --batch",
        );
    }
    let (job, input) = match job(cli.command) {
        Ok(parts) => parts,
        Err(code) => return code,
    };
    if input.batch {
        let format = if input.plain {
            LineFormat::Plain
        } else {
            LineFormat::Json
        };
        return match run_batch(&job, format) {
            Ok(()) => ExitCode::SUCCESS,
            // The reader went away (e.g. `| head`): nothing left to report.
            Err(InputError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rsql: {e}");
                ExitCode::from(2)
            }
        };
    }
    let filter = match input.filter {
        Some(filter) if filter.as_str() != "-" => filter,
        None if io::stdin().is_terminal() => usage_error(
            name,
            clap::error::ErrorKind::MissingRequiredArgument,
            "no FILTER given and stdin is a terminal: pass FILTER, \
             pipe it in (`echo 'a==1' | rsql parse`), or use --batch",
        ),
        _ => match input::read_whole(io::stdin().lock()) {
            Ok(filter) => filter,
            Err(e) => {
                eprintln!("rsql: {e}");
                return ExitCode::from(2);
            }
        },
    };
    run_one(&job, &filter)
}
