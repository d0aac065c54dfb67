//! The bench corpus (`benches/data/filters.txt`, a copy of the shared one):
//! every line parses, and the Symbl policy accepts exactly the 27 lines
//! the API's policy says it should (11 lines use OR, 6 name 3–5 fields).

use rsql::{ParseErrorKind, Parser, Policy};

fn lines() -> Vec<&'static str> {
    let text = include_str!("../../../benches/data/filters.txt");
    text.lines().filter(|l| !l.is_empty()).collect()
}

#[test]
fn every_line_parses_and_round_trips() {
    let lines = lines();
    assert_eq!(lines.len(), 41);
    for line in lines {
        let ast = match rsql::parse(line) {
            Ok(ast) => ast,
            Err(err) => panic!("{line}\n{err:#}"),
        };
        let printed = ast.to_string();
        assert_eq!(rsql::parse(&printed).ok().as_ref(), Some(&ast), "{line}");
    }
}

#[test]
fn symbl_policy_accepts_27_lines() {
    let parser = Parser::new().with_policy(Policy::symbl());
    let (mut accepted, mut or, mut fields, mut other) = (0, 0, 0, Vec::new());
    for line in lines() {
        match parser.parse(line) {
            Ok(_) => accepted += 1,
            Err(err) => match err.kind() {
                ParseErrorKind::OrForbidden => or += 1,
                ParseErrorKind::TooManyFields { fields: f, .. } => {
                    assert!((3..=5).contains(&f.len()), "{line}: {f:?}");
                    fields += 1;
                }
                _ => other.push(format!("{err:#}")),
            },
        }
    }
    assert!(other.is_empty(), "unexpected errors: {other:#?}");
    assert_eq!(accepted, 27);
    // OR is checked first; 3 lines both use OR and name 3+ fields
    assert_eq!(or, 11);
    assert_eq!(fields, 3);
}

#[test]
fn symbl_policy_without_or_rule_counts_6_field_violations() {
    let parser = Parser::new().with_policy(Policy::symbl().with_forbid_or(false));
    let too_many = lines()
        .into_iter()
        .filter(|line| {
            matches!(
                parser.parse(line).map_err(|e| e.kind().clone()),
                Err(ParseErrorKind::TooManyFields { .. })
            )
        })
        .count();
    assert_eq!(too_many, 6);
}
