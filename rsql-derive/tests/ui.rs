//! Bad `#[rsql(...)]` attributes and unsupported field types are compile
//! errors with the offending field or value underlined: each file of
//! `tests/ui/derive/` must fail to compile with the message of its
//! `.stderr` twin (trybuild).

#[test]
fn bad_attributes_fail_to_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/derive/*.rs");
}
