#[derive(rsql::Record)]
struct Row {
    id: String,
    count: u64,
    place: std::net::Ipv4Addr,
    members: Vec<std::net::Ipv4Addr>,
}

fn main() {}
