type Stamp = String;

#[derive(rsql::Record)]
struct Row {
    #[rsql(timestamp)]
    at: Stamp,
}

fn main() {}
