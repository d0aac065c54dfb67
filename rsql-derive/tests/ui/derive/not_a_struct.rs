#[derive(rsql::Record)]
enum Kind {
    A,
}

#[derive(rsql::Record)]
struct Pair(String, i64);

#[derive(rsql::Record)]
struct Generic<T> {
    t: T,
}

fn main() {}
