//! serde support (feature `serde`): the canonical JSON of the AST (crate docs,
//! *Crate features*).
//!
//! * comparison: `{"selector": "a.b", "op": "=lt=", "args": ["v1"]}` (canonical
//!   operator name; `args` always a list of unescaped strings);
//! * logical: `{"and": [...]}` / `{"or": [...]}`.
//!
//! Spans and quote kinds are not serialised, and neither is which stars were
//! written `\*`: after a JSON round trip every `*` is a wildcard. Deserialised
//! trees own their strings and are normalised with [`Ast::and`]/[`Ast::or`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ast::{Args, Ast, Comparison, Operator, Selector, Span, Value};

impl Serialize for Ast<'_> {
    /// ```
    /// let ast = rsql::parse("(a==1,b=in=(x,'y z'));c<3")?;
    /// assert_eq!(
    ///     serde_json::to_string(&ast).unwrap(),
    ///     r#"{"and":[{"or":[{"selector":"a","op":"==","args":["1"]},{"selector":"b","op":"=in=","args":["x","y z"]}]},{"selector":"c","op":"=lt=","args":["3"]}]}"#
    /// );
    /// # Ok::<(), rsql::Error>(())
    /// ```
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Ast::And(children) | Ast::Or(children) => {
                let key = if matches!(self, Ast::And(_)) {
                    "and"
                } else {
                    "or"
                };
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(key, children)?;
                map.end()
            }
            Ast::Cmp(cmp) => cmp.serialize(serializer),
        }
    }
}

impl Serialize for Comparison<'_> {
    /// `{"selector": …, "op": …, "args": […]}`.
    ///
    /// ```
    /// let ast = rsql::parse("a>=1")?;
    /// let cmp = ast.comparisons().next().unwrap();
    /// assert_eq!(serde_json::to_string(cmp).unwrap(), r#"{"selector":"a","op":"=ge=","args":["1"]}"#);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct ArgsList<'v, 'a>(&'v [Value<'a>]);
        impl Serialize for ArgsList<'_, '_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
                for v in self.0 {
                    seq.serialize_element(v.as_str())?;
                }
                seq.end()
            }
        }
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("selector", self.selector.as_str())?;
        map.serialize_entry("op", self.op.as_str())?;
        map.serialize_entry("args", &ArgsList(self.args.as_slice()))?;
        map.end()
    }
}

impl<'de, 'a> Deserialize<'de> for Ast<'a> {
    /// Reads the canonical JSON. Operators: either spelling of a standard one,
    /// anything else becomes [`Operator::Custom`] as written.
    ///
    /// ```
    /// let ast: rsql::Ast = serde_json::from_str(r#"{"or":[{"selector":"a","op":"<","args":["1"]},{"selector":"b","op":"=in=","args":["x","y"]}]}"#).unwrap();
    /// assert_eq!(ast.to_string(), "a=lt=1,b=in=(x,y)");
    /// ```
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AstVisitor(std::marker::PhantomData))
    }
}

struct AstVisitor<'a>(std::marker::PhantomData<Ast<'a>>);

impl<'de, 'a> Visitor<'de> for AstVisitor<'a> {
    type Value = Ast<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"an RSQL node: {"and": [...]}, {"or": [...]} or {"selector", "op", "args"}"#)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Ast<'a>, M::Error> {
        let mut selector: Option<String> = None;
        let mut op: Option<String> = None;
        let mut args: Option<Vec<String>> = None;
        let mut logical: Option<Ast<'a>> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "and" | "or" => {
                    if logical.is_some() || selector.is_some() || op.is_some() || args.is_some() {
                        return Err(de::Error::custom(
                            "a node has exactly one of `and`, `or` or a comparison",
                        ));
                    }
                    let children: Vec<Ast<'a>> = map.next_value()?;
                    if children.is_empty() {
                        return Err(de::Error::custom(format!(
                            "`{key}` needs at least one child"
                        )));
                    }
                    logical = Some(if key == "and" {
                        Ast::and(children)
                    } else {
                        Ast::or(children)
                    });
                }
                "selector" if selector.is_none() => selector = Some(map.next_value()?),
                "op" if op.is_none() => op = Some(map.next_value()?),
                "args" if args.is_none() => args = Some(map.next_value()?),
                "selector" | "op" | "args" => {
                    return Err(de::Error::duplicate_field("comparison field"));
                }
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["and", "or", "selector", "op", "args"],
                    ));
                }
            }
        }
        if let Some(node) = logical {
            if selector.is_some() || op.is_some() || args.is_some() {
                return Err(de::Error::custom(
                    "a node has exactly one of `and`, `or` or a comparison",
                ));
            }
            return Ok(node);
        }
        let selector = selector.ok_or_else(|| de::Error::missing_field("selector"))?;
        let op = op.ok_or_else(|| de::Error::missing_field("op"))?;
        let mut args = args.ok_or_else(|| de::Error::missing_field("args"))?;
        if args.is_empty() {
            return Err(de::Error::custom("`args` needs at least one value"));
        }
        let op = Operator::standard(&op).unwrap_or_else(|| Operator::Custom(Arc::from(op)));
        let args = if args.len() == 1 && !matches!(op, Operator::In | Operator::Out) {
            Args::One(Value::new(args.swap_remove(0)))
        } else {
            Args::List(args.into_iter().map(Value::new).collect())
        };
        Ok(Ast::Cmp(Comparison {
            selector: Selector::new(selector),
            op,
            args,
            span: Span::default(),
            op_span: Span::default(),
        }))
    }
}
