#[derive(rsql::Record)]
struct Row {
    #[rsql(timestamp)]
    start: String,
}

fn main() {}
