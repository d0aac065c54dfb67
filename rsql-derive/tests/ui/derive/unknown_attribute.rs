#[derive(rsql::Record)]
struct Row {
    #[rsql(sortabel)]
    name: String,
}

fn main() {}
