//! What each subcommand does with one filter, and how the answer is printed:
//! as text for one filter, as one JSON object per line in `--batch` mode.

use rsql::{Ast, EmitError, Filter, Parser, Schema, SqlDialect, SqlOptions, SqlParam, SqlWhere};
use serde::Serialize;

/// The work for every filter of one run.
pub(crate) struct Job {
    pub(crate) parser: Parser,
    pub(crate) task: Task,
}

pub(crate) enum Task {
    /// `rsql parse`: canonical RSQL, or the AST as JSON.
    Parse { json: bool },
    /// `rsql check`: compile against the schema; print the typed filter.
    Check { schema: Schema },
    /// `rsql sql`: the `WHERE` clause and its parameters.
    Sql {
        schema: Schema,
        options: SqlOptions,
        json: bool,
    },
    /// `rsql mongo`: the query document.
    Mongo { schema: Schema, pretty: bool },
}

/// Why one filter has no answer (exit 1, or `"ok": false` in batch mode).
pub(crate) enum Failure {
    /// The filter is invalid: syntax, limits, policy or schema.
    Filter(rsql::Error),
    /// Valid, but it names a field the schema gives no SQL mapping.
    Emit(EmitError),
    /// The answer could not be written (a parameter type this tool does
    /// not know, or a JSON error).
    Internal(String),
}

impl Failure {
    /// What goes to stderr for one filter.
    pub(crate) fn render(&self) -> String {
        match self {
            // the caret rendering
            Failure::Filter(e) => format!("{e:#}"),
            Failure::Emit(e) => format!("cannot emit SQL: {e}"),
            Failure::Internal(e) => format!("rsql: {e}"),
        }
    }

    /// Whether the filter is to blame (exit 1) rather than the tool (exit 2).
    pub(crate) fn is_filter(&self) -> bool {
        !matches!(self, Failure::Internal(_))
    }

    fn json(&self) -> ErrorJson {
        match self {
            Failure::Filter(e) => ErrorJson {
                kind: e.code(),
                message: e.message(),
                offset: e.offset(),
                length: e.len(),
            },
            Failure::Emit(e) => ErrorJson {
                kind: "no_sql_mapping",
                message: e.to_string(),
                offset: 0,
                length: 0,
            },
            Failure::Internal(e) => ErrorJson {
                kind: "internal",
                message: e.clone(),
                offset: 0,
                length: 0,
            },
        }
    }
}

fn json_failure(e: serde_json::Error) -> Failure {
    Failure::Internal(format!("cannot serialise the answer: {e}"))
}

fn to_json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(json_failure)
}

impl Job {
    fn parse<'a>(&self, filter: &'a str) -> Result<Ast<'a>, Failure> {
        self.parser
            .parse(filter)
            .map_err(|e| Failure::Filter(e.into()))
    }

    fn compile(&self, schema: &Schema, filter: &str) -> Result<Filter, Failure> {
        schema
            .compile_str(&self.parser, filter)
            .map_err(Failure::Filter)
    }

    fn sql(
        &self,
        schema: &Schema,
        options: &SqlOptions,
        filter: &str,
    ) -> Result<SqlWhere, Failure> {
        self.compile(schema, filter)?
            .to_sql(options)
            .map_err(Failure::Emit)
    }

    /// The text printed for one filter (without the final newline).
    pub(crate) fn one(&self, filter: &str) -> Result<String, Failure> {
        match &self.task {
            Task::Parse { json: true } => to_json(&self.parse(filter)?),
            Task::Parse { json: false } => Ok(self.parse(filter)?.to_string()),
            Task::Check { schema } => Ok(self.compile(schema, filter)?.to_string()),
            Task::Sql {
                schema,
                options,
                json,
            } => {
                let w = self.sql(schema, options, filter)?;
                if *json {
                    to_json(&SqlJson::new(&w)?)
                } else {
                    Ok(sql_text(&w, options))
                }
            }
            Task::Mongo { schema, pretty } => {
                let query = self.compile(schema, filter)?.to_mongo();
                if *pretty {
                    serde_json::to_string_pretty(&query).map_err(json_failure)
                } else {
                    to_json(&query)
                }
            }
        }
    }

    /// The `--batch` answer for one filter: one JSON object, in one line.
    pub(crate) fn line(&self, filter: &str) -> Result<String, String> {
        let answer = match &self.task {
            Task::Parse { .. } => self.parse(filter).and_then(|ast| {
                to_json(&ParseLine {
                    ok: true,
                    ast: &ast,
                })
            }),
            Task::Check { schema } => self.compile(schema, filter).and_then(|f| {
                to_json(&CheckLine {
                    ok: true,
                    filter: f.to_string(),
                })
            }),
            Task::Sql {
                schema, options, ..
            } => self.sql(schema, options, filter).and_then(|w| {
                to_json(&SqlLine {
                    ok: true,
                    sql: SqlJson::new(&w)?,
                })
            }),
            Task::Mongo { schema, .. } => self.compile(schema, filter).and_then(|f| {
                to_json(&MongoLine {
                    ok: true,
                    query: f.to_mongo(),
                })
            }),
        };
        match answer {
            Ok(line) => Ok(line),
            Err(Failure::Internal(e)) => Err(e),
            Err(failure) => serde_json::to_string(&ErrLine {
                ok: false,
                error: failure.json(),
            })
            .map_err(|e| format!("cannot serialise the answer: {e}")),
        }
    }

    /// The `--batch --plain` answer for a line that is not UTF-8.
    pub(crate) fn not_utf8_line(offset: usize, len: usize) -> Result<String, String> {
        serde_json::to_string(&ErrLine {
            ok: false,
            error: ErrorJson {
                kind: "invalid_utf8",
                message: format!("the line is not UTF-8: invalid byte at offset {offset}"),
                offset,
                length: len,
            },
        })
        .map_err(|e| format!("cannot serialise the answer: {e}"))
    }
}

#[derive(Serialize)]
struct ParseLine<'a> {
    ok: bool,
    ast: &'a Ast<'a>,
}

#[derive(Serialize)]
struct CheckLine {
    ok: bool,
    filter: String,
}

#[derive(Serialize)]
struct SqlLine<'a> {
    ok: bool,
    #[serde(flatten)]
    sql: SqlJson<'a>,
}

#[derive(Serialize)]
struct MongoLine {
    ok: bool,
    query: serde_json::Value,
}

#[derive(Serialize)]
struct ErrLine {
    ok: bool,
    error: ErrorJson,
}

#[derive(Serialize)]
struct ErrorJson {
    kind: &'static str,
    message: String,
    offset: usize,
    length: usize,
}

/// `{"sql": "…", "params": [{"type": "text", "value": "meeting"}, …]}`.
#[derive(Serialize)]
struct SqlJson<'a> {
    sql: &'a str,
    params: Vec<ParamJson<'a>>,
}

/// A parameter with its type, so a script binds it right (a `time` is epoch
/// milliseconds, an `int` is not).
#[derive(Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
enum ParamJson<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(i64),
    /// RFC 3339 UTC with milliseconds.
    Timestamptz(String),
    /// RFC 3339 UTC with milliseconds (bind as the UTC wall-clock time).
    Timestamp(String),
    Numeric(&'a str),
}

impl<'a> SqlJson<'a> {
    fn new(w: &'a SqlWhere) -> Result<SqlJson<'a>, Failure> {
        let params = w
            .params
            .iter()
            .map(|p| {
                Ok(match p {
                    SqlParam::Text(s) => ParamJson::Text(s),
                    SqlParam::Int(i) => ParamJson::Int(*i),
                    SqlParam::Float(x) => ParamJson::Float(*x),
                    SqlParam::Bool(b) => ParamJson::Bool(*b),
                    SqlParam::Time(ms) => ParamJson::Time(*ms),
                    SqlParam::TimestampTz(_) => ParamJson::Timestamptz(p.to_string()),
                    SqlParam::Timestamp(_) => ParamJson::Timestamp(p.to_string()),
                    SqlParam::Numeric(text) => ParamJson::Numeric(text),
                    other => {
                        return Err(Failure::Internal(format!(
                            "a SQL parameter of a type this tool does not know: {other:?}"
                        )));
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(SqlJson {
            sql: &w.sql,
            params,
        })
    }
}

/// The clause, then one line per parameter: `$1 = 'meeting'` (PostgreSQL,
/// numbered from the first placeholder) or `?1 = 'meeting'` (SQLite, by
/// position). A time is bound as epoch milliseconds; its instant follows.
fn sql_text(w: &SqlWhere, options: &SqlOptions) -> String {
    let mut out = w.sql.clone();
    for (i, p) in w.params.iter().enumerate() {
        let label = match options.dialect() {
            SqlDialect::Postgres => format!("${}", options.first_placeholder() + i),
            _ => format!("?{}", i + 1),
        };
        let value = match p {
            SqlParam::Time(ms) => format!("{ms} -- {p}"),
            other => other.to_string(),
        };
        out.push_str(&format!("\n{label} = {value}"));
    }
    out
}
