#[derive(rsql::Record)]
struct Row {
    #[rsql(name = "x")]
    a: String,
    #[rsql(alias = "x")]
    b: String,
}

fn main() {}
