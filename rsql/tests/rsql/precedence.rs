//! Precedence and flattening tables: each input against its S-expression.

use rsql::Sexpr;

#[track_caller]
fn sexpr(input: &str) -> String {
    match rsql::parse(input) {
        Ok(ast) => Sexpr(&ast).to_string(),
        Err(err) => panic!("{input:?} should parse:\n{err:#}"),
    }
}

#[track_caller]
fn check(table: &[(&str, &str)]) {
    for (input, expected) in table {
        assert_eq!(sexpr(input), *expected, "input: {input:?}");
    }
}

#[test]
fn and_binds_tighter_than_or() {
    check(&[
        (
            "a==1;b==2,c==3;d==4",
            r#"(or (and (== a "1") (== b "2")) (and (== c "3") (== d "4")))"#,
        ),
        (
            "a==1 and b==2 or c==3 and d==4",
            r#"(or (and (== a "1") (== b "2")) (and (== c "3") (== d "4")))"#,
        ),
        (
            "a==1;b==2,c==3",
            r#"(or (and (== a "1") (== b "2")) (== c "3"))"#,
        ),
        (
            "a==1,b==2;c==3",
            r#"(or (== a "1") (and (== b "2") (== c "3")))"#,
        ),
        (
            "a==1 or b==2 and c==3",
            r#"(or (== a "1") (and (== b "2") (== c "3")))"#,
        ),
        ("a==1,b==2,c==3", r#"(or (== a "1") (== b "2") (== c "3"))"#),
        (
            "a==1;b==2;c==3",
            r#"(and (== a "1") (== b "2") (== c "3"))"#,
        ),
        (
            "a==1;b==2 and c==3",
            r#"(and (== a "1") (== b "2") (== c "3"))"#,
        ),
        (
            "a==1,b==2 or c==3",
            r#"(or (== a "1") (== b "2") (== c "3"))"#,
        ),
    ]);
}

#[test]
fn groups_nest_and_flatten() {
    check(&[
        (
            "(a==1;b==2);c==3",
            r#"(and (== a "1") (== b "2") (== c "3"))"#,
        ),
        (
            "a==1;(b==2;c==3)",
            r#"(and (== a "1") (== b "2") (== c "3"))"#,
        ),
        (
            "(a==1,b==2),c==3",
            r#"(or (== a "1") (== b "2") (== c "3"))"#,
        ),
        (
            "(a==1,b==2);c==3",
            r#"(and (or (== a "1") (== b "2")) (== c "3"))"#,
        ),
        (
            "a==1;(b==2,c==3);d==4",
            r#"(and (== a "1") (or (== b "2") (== c "3")) (== d "4"))"#,
        ),
        ("((a==1))", r#"(== a "1")"#),
        ("(((a==1;b==2)))", r#"(and (== a "1") (== b "2"))"#),
        ("((a==1);(b==2))", r#"(and (== a "1") (== b "2"))"#),
        (
            "(a==1,(b==2,(c==3,d==4)))",
            r#"(or (== a "1") (== b "2") (== c "3") (== d "4"))"#,
        ),
        (
            "(a==1;b==2),(c==3;d==4)",
            r#"(or (and (== a "1") (== b "2")) (and (== c "3") (== d "4")))"#,
        ),
        (
            "((a==1,b==2);c==3),d==4",
            r#"(or (and (or (== a "1") (== b "2")) (== c "3")) (== d "4"))"#,
        ),
    ]);
}

#[test]
fn whitespace_between_tokens() {
    check(&[
        ("a == 1", r#"(== a "1")"#),
        ("  a==1  ", r#"(== a "1")"#),
        ("( a==1 ; b==2 )", r#"(and (== a "1") (== b "2"))"#),
        ("b =in= ( 1 , 2 )", r#"(=in= b "1" "2")"#),
        ("a==1\t;\tb==2", r#"(and (== a "1") (== b "2"))"#),
        ("a==1\n;\r\nb==2", r#"(and (== a "1") (== b "2"))"#),
        ("a==b\t", r#"(== a "b")"#),
        ("a\t==1", r#"(== a "1")"#),
        ("a==1  and  b==2", r#"(and (== a "1") (== b "2"))"#),
        ("(a==1) and (b==2)", r#"(and (== a "1") (== b "2"))"#),
        (
            "(a==1)or(b==2)".replace("or", " or ").as_str(),
            r#"(or (== a "1") (== b "2"))"#,
        ),
    ]);
}

#[test]
fn keywords_need_spaces_and_can_be_selectors() {
    check(&[
        ("and==2 and or>3", r#"(and (== and "2") (=gt= or "3"))"#),
        ("or==x or and==y", r#"(or (== or "x") (== and "y"))"#),
        ("a==and", r#"(== a "and")"#),
        ("a=in=(x or y)", r#"(=in= a "x" "y")"#),
        ("a=in=(x or y, z)", r#"(=in= a "x" "y" "z")"#),
    ]);
}
