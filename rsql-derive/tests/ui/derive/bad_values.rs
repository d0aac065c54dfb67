#[derive(rsql::Record)]
struct Row {
    #[rsql(missing = "never")]
    end: Option<i64>,
    #[rsql(name = "a..b")]
    b: String,
    #[rsql(multi)]
    c: String,
    #[rsql(sql_from = "t")]
    d: Vec<String>,
    #[rsql(skip, sortable)]
    e: String,
    #[rsql(sql_template = "no key")]
    f: std::collections::HashMap<String, String>,
    #[rsql(sortable)]
    g: Vec<String>,
}

fn main() {}
