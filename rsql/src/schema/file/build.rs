//! From the declarations of a schema file to a [`Schema`] and a [`Parser`].

use super::error::{SchemaFileError, SchemaFileErrorKind};
use super::spec::{
    FieldSpec, FileSpec, Kind, LimitsSpec, Located, MissingName, MongoSpec, OpName, OpsName,
    SqlSpec, TypeName,
};
use crate::{Field, FieldType, Limits, Missing, Operators, Parser, Policy, Schema, SchemaError};

pub(super) fn build(located: Located) -> Result<(Schema, Parser), SchemaFileError> {
    let Located {
        spec,
        field_offsets,
    } = located;
    let at_field =
        |i: usize, err: SchemaFileError| err.with_offset(field_offsets.get(i).copied().flatten());
    let mut builder = Schema::builder();
    for (i, f) in spec.fields.iter().enumerate() {
        let field = field(f, i, spec.policy.operators).map_err(|e| at_field(i, e))?;
        builder = builder.field(field);
    }
    for (from, to) in &spec.aliases.0 {
        builder = builder.alias(from, to);
    }
    let schema = builder.build().map_err(|e| {
        let (key, index) = schema_error_key(&e, &spec);
        let err = SchemaFileError::new(SchemaFileErrorKind::Schema(e)).with_key(key);
        match index {
            Some(i) => at_field(i, err),
            None => err,
        }
    })?;
    let parser = Parser::new()
        .with_limits(limits(&spec.limits)?)
        .with_policy(policy(&spec, &schema));
    Ok((schema, parser))
}

fn field(f: &FieldSpec, i: usize, ops: OpsName) -> Result<Field, SchemaFileError> {
    let key = |k: &str| format!("fields[{i}].{k}");
    let invalid = |k: &str, message: String| SchemaFileError::invalid(key(k), message);
    let ty = match (f.ty, &f.values) {
        (TypeName::Enum, Some(values)) if !values.is_empty() => {
            FieldType::enumeration(values.iter().cloned())
        }
        (TypeName::Enum, _) => {
            return Err(invalid(
                "values",
                "type `enum` needs a non-empty `values` list".to_owned(),
            ));
        }
        (_, Some(_)) => {
            return Err(invalid(
                "values",
                "`values` belongs to fields of type `enum`".to_owned(),
            ));
        }
        (TypeName::String, None) => FieldType::String,
        (TypeName::Timestamp, None) => FieldType::Timestamp,
        (TypeName::Integer, None) => FieldType::Integer,
        (TypeName::Float, None) => FieldType::Float,
        (TypeName::Bool, None) => FieldType::Bool,
    };
    let is_string = ty == FieldType::String;
    let mut field = match f.kind {
        Kind::Plain => Field::new(&f.name, ty),
        Kind::MultiValued => Field::new(&f.name, ty).multi_valued(),
        Kind::Dynamic => Field::dynamic(&f.name, ty),
    };
    if f.sortable {
        field = field.sortable();
    }
    if let Some(enabled) = f.wildcards {
        if !is_string {
            return Err(invalid(
                "wildcards",
                "`wildcards` belongs to fields of type `string`".to_owned(),
            ));
        }
        field = field.wildcards(enabled);
    }
    if f.numeric_strings {
        if !is_string {
            return Err(invalid(
                "numeric_strings",
                "`numeric_strings` belongs to fields of type `string`".to_owned(),
            ));
        }
        field = field.numeric_strings();
    }
    if f.missing == MissingName::MatchesNothing {
        field = field.when_missing(Missing::MatchesNothing);
    }
    if let Some(list) = &f.operators {
        if ops == OpsName::Standard
            && let Some(OpName(op)) = list
                .iter()
                .find(|OpName(op)| !Operators::standard().contains(op.symbol()))
        {
            return Err(invalid(
                "operators",
                format!(
                    "`{op}` is an extended operator: the parser only reads it with \
                     `operators = \"extended\"` under [policy]"
                ),
            ));
        }
        field = field.operators(list.iter().map(|OpName(op)| *op));
    }
    if let Some(decl) = &f.sql {
        let sql = &decl.spec;
        let (kind, needs) = match f.kind {
            Kind::Plain => (
                "plain",
                "`sql = { column = \"…\" }` or `sql = { json_path = { column = \"…\", path = […] } }`",
            ),
            Kind::MultiValued => (
                "multi-valued",
                "`sql = { exists = { from = \"…\", join = \"…\", column = \"…\" } }`",
            ),
            Kind::Dynamic => (
                "dynamic",
                "`sql = { json = \"…\" }` or `sql = { template = \"…{key}…\" }`",
            ),
        };
        field = match (f.kind, sql) {
            (Kind::Plain, SqlSpec::Column(c)) => field.sql_column(c),
            (Kind::Plain, SqlSpec::JsonPath(p)) => field.sql_json_path(&p.column, &p.path),
            (Kind::MultiValued, SqlSpec::Exists(e)) => {
                field.sql_exists(&e.from, &e.join, &e.column)
            }
            (Kind::Dynamic, SqlSpec::Json(c)) => field.sql_json(c),
            (Kind::Dynamic, SqlSpec::Template(t)) if t.contains("{key}") => field.sql_template(t),
            (Kind::Dynamic, SqlSpec::Template(_)) => {
                return Err(invalid(
                    "sql.template",
                    "the template needs a `{key}` placeholder for the map key".to_owned(),
                ));
            }
            (_, other) => {
                return Err(invalid(
                    "sql",
                    format!("a {kind} field needs {needs}, found `{}`", other.name()),
                ));
            }
        };
    }
    if let Some(ty) = f.sql.as_ref().and_then(|d| d.ty) {
        field = field.sql_type(ty);
    }
    if let Some(mongo) = &f.mongo {
        field = match mongo {
            MongoSpec::Path(p) => field.mongo_path(p),
            MongoSpec::Elem(e) if f.kind == Kind::MultiValued => {
                field.mongo_elem(&e.array, &e.field)
            }
            MongoSpec::Elem(_) => {
                return Err(invalid(
                    "mongo.elem",
                    "`elem` belongs to multi-valued fields (`kind = \"multi_valued\"`)".to_owned(),
                ));
            }
        };
    }
    Ok(field)
}

/// The key (and the field, for a position) a builder error is about.
fn schema_error_key(err: &SchemaError, spec: &FileSpec<FieldSpec>) -> (String, Option<usize>) {
    let field_named = |name: &str| spec.fields.iter().rposition(|f| f.name == name);
    let alias_key = |name: &str| format!("aliases.{name}");
    match err {
        SchemaError::DuplicateName(n) | SchemaError::InvalidName(n) => match field_named(n) {
            Some(i) if !spec.aliases.0.iter().any(|(from, _)| from == n) => {
                (format!("fields[{i}].name"), Some(i))
            }
            _ => (alias_key(n), None),
        },
        SchemaError::AliasTarget { alias, .. } => (alias_key(alias), None),
        SchemaError::UnsupportedOperator { field, .. } => match field_named(field) {
            Some(i) => (format!("fields[{i}].operators"), Some(i)),
            None => ("fields".to_owned(), None),
        },
        SchemaError::DynamicMultiValued(n) | SchemaError::EmptyEnum(n) => match field_named(n) {
            Some(i) => (format!("fields[{i}]"), Some(i)),
            None => ("fields".to_owned(), None),
        },
    }
}

fn limits(spec: &LimitsSpec) -> Result<Limits, SchemaFileError> {
    let mut limits = Limits::new();
    if let Some(n) = spec.max_len {
        limits = limits.with_max_len(n);
    }
    if let Some(n) = spec.max_depth {
        if n > Limits::MAX_DEPTH_CEILING {
            return Err(SchemaFileError::invalid(
                "limits.max_depth".to_owned(),
                format!(
                    "{n} is more than the highest depth the parser supports, {}",
                    Limits::MAX_DEPTH_CEILING
                ),
            ));
        }
        limits = limits.with_max_depth(n);
    }
    if let Some(n) = spec.max_comparisons {
        limits = limits.with_max_comparisons(n);
    }
    if let Some(n) = spec.max_args {
        limits = limits.with_max_args(n);
    }
    if let Some(n) = spec.max_value_len {
        limits = limits.with_max_value_len(n);
    }
    Ok(limits)
}

/// The file's `[policy]`, with the schema's path aliases so that the field
/// count and the allow-list see `metadata.x` as `conversation.metadata.x`.
fn policy(spec: &FileSpec<FieldSpec>, schema: &Schema) -> Policy {
    let p = &spec.policy;
    let mut policy = Policy::new()
        .with_operators(match p.operators {
            OpsName::Standard => Operators::standard(),
            OpsName::Extended => Operators::extended(),
        })
        .with_forbid_or(p.forbid_or);
    if let Some(n) = p.max_fields {
        policy = policy.with_max_fields(n);
    }
    for (from, to) in &spec.aliases.0 {
        // An alias of a path prefix or a dynamic field (not of one plain field).
        let is_prefix = schema.fields().any(|(_, f)| {
            (f.is_dynamic() && f.name() == to)
                || f.name()
                    .strip_prefix(to.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        });
        if is_prefix {
            policy = policy.with_alias(format!("{from}."), format!("{to}."));
        }
    }
    if let Some(allowed) = &p.allowed_selectors {
        policy = policy.with_allowed_selectors(allowed.iter().cloned());
    }
    policy
}
