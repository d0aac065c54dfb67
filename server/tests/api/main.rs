//! The HTTP API's tests, one binary (faster to build and link than one per
//! file): the route tree in process (`warp::test`) for every family and the
//! service routes, and the built `rsql-server` binary end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/banner.rs"]
mod banner;
mod bodies;
mod common;
mod conn;
mod credentials;
mod demo;
mod e2e;
mod families;
mod head;
mod proc;
mod ratelimit;
#[path = "../support/server_cmd.rs"]
mod server_cmd;
mod service;
mod symbl;
#[path = "../support/wire.rs"]
mod wire;
