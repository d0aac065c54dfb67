//! Where a field lives in a database: [`SqlMapping`] and [`MongoPath`], set
//! with the `Field::sql_*` and `Field::mongo_*` builders. They belong to the
//! schema (a field's declaration says where its values are stored); the
//! emitters only read them.

/// How a field maps to SQL (set with `Field::sql_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SqlMapping {
    /// A column expression of a plain field (`Field::sql_column`).
    Column(String),
    /// A multi-valued field in a child table (`Field::sql_exists`).
    Exists {
        from: String,
        join: String,
        column: String,
    },
    /// A dynamic field stored as a JSON object (`Field::sql_json`).
    Json(String),
    /// A dynamic field as a template with a `{key}` placeholder (`Field::sql_template`).
    Template(String),
}

/// The MongoDB location of a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MongoPath {
    /// A dotted document path (`name`, `metadata`).
    Path(String),
    /// A multi-valued field inside an array of documents: `members` + `email`.
    Elem { array: String, field: String },
}
