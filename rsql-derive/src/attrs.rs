//! The `#[rsql(...)]` attributes: what each one says, read from the syntax
//! with `syn`'s nested-meta parser. Every mistake is a `syn::Error` on the
//! attribute or the value it blames.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Token};

/// A value type chosen by an attribute instead of inferred from the Rust type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// `FieldType::String` (or `Enum` with `values(...)`).
    Str,
    /// `FieldType::Integer`.
    Int,
    /// `FieldType::Float`.
    Float,
    /// `FieldType::Bool`.
    Bool,
    /// `FieldType::Timestamp`.
    Time,
}

impl Scalar {
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Scalar::Str => "string",
            Scalar::Int => "integer",
            Scalar::Float => "float",
            Scalar::Bool => "bool",
            Scalar::Time => "timestamp",
        }
    }
}

/// `missing = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    Nothing,
    Negations,
}

/// The attributes of one struct field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) skip: Option<Span>,
    pub(crate) name: Option<LitStr>,
    pub(crate) scalar: Option<(Scalar, Span)>,
    pub(crate) values: Option<(Vec<LitStr>, Span)>,
    pub(crate) multi: Option<Span>,
    pub(crate) map: Option<Span>,
    pub(crate) nested: Option<Span>,
    pub(crate) sortable: Option<Span>,
    pub(crate) numeric_strings: Option<Span>,
    pub(crate) no_wildcards: Option<Span>,
    pub(crate) missing: Option<(Missing, Span)>,
    pub(crate) sql: Option<LitStr>,
    pub(crate) sql_from: Option<LitStr>,
    pub(crate) sql_join: Option<LitStr>,
    pub(crate) sql_template: Option<LitStr>,
    pub(crate) mongo: Option<LitStr>,
    pub(crate) aliases: Vec<LitStr>,
}

/// The attributes of the struct itself.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `crate = "path"`: where `rsql` is (default `::rsql`).
    pub(crate) krate: Option<syn::Path>,
}

fn set_once<T>(slot: &mut Option<T>, value: T, span: Span, what: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("duplicate `{what}` attribute"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn set_flag(slot: &mut Option<Span>, span: Span, what: &str) -> syn::Result<()> {
    set_once(slot, span, span, what)
}

/// Reads every `#[rsql(...)]` on a field.
pub(crate) fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("rsql")) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let ident = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let string = |meta: &syn::meta::ParseNestedMeta<'_>| -> syn::Result<LitStr> {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("`{ident}` must not be empty"),
                    ));
                }
                Ok(lit)
            };
            match ident.as_str() {
                "skip" => set_flag(&mut out.skip, span, "skip"),
                "name" => {
                    let lit = string(&meta)?;
                    check_name(&lit)?;
                    set_once(&mut out.name, lit, span, "name")
                }
                "string" | "integer" | "float" | "bool" | "timestamp" => {
                    let scalar = match ident.as_str() {
                        "string" => Scalar::Str,
                        "integer" => Scalar::Int,
                        "float" => Scalar::Float,
                        "bool" => Scalar::Bool,
                        _ => Scalar::Time,
                    };
                    if let Some((other, _)) = out.scalar {
                        return Err(syn::Error::new(
                            span,
                            format!("`{ident}` conflicts with `{}`", other.attr_name()),
                        ));
                    }
                    out.scalar = Some((scalar, span));
                    Ok(())
                }
                "values" => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
                    if list.is_empty() {
                        return Err(syn::Error::new(span, "`values(...)` lists no value"));
                    }
                    set_once(
                        &mut out.values,
                        (list.into_iter().collect(), span),
                        span,
                        "values",
                    )
                }
                "multi" => set_flag(&mut out.multi, span, "multi"),
                "map" => set_flag(&mut out.map, span, "map"),
                "nested" => set_flag(&mut out.nested, span, "nested"),
                "sortable" => set_flag(&mut out.sortable, span, "sortable"),
                "numeric_strings" => set_flag(&mut out.numeric_strings, span, "numeric_strings"),
                "no_wildcards" => set_flag(&mut out.no_wildcards, span, "no_wildcards"),
                "missing" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    let m = match lit.value().as_str() {
                        "nothing" => Missing::Nothing,
                        "negations" => Missing::Negations,
                        other => {
                            return Err(syn::Error::new(
                                lit.span(),
                                format!(
                                    "unknown `missing` value `{other}`: expected `nothing` \
                                     (no comparison holds, negations included) or `negations` \
                                     (negations hold, the default)"
                                ),
                            ));
                        }
                    };
                    set_once(&mut out.missing, (m, span), span, "missing")
                }
                "sql" => {
                    let lit = string(&meta)?;
                    set_once(&mut out.sql, lit, span, "sql")
                }
                "sql_from" => {
                    let lit = string(&meta)?;
                    set_once(&mut out.sql_from, lit, span, "sql_from")
                }
                "sql_join" => {
                    let lit = string(&meta)?;
                    set_once(&mut out.sql_join, lit, span, "sql_join")
                }
                "sql_template" => {
                    let lit = string(&meta)?;
                    if !lit.value().contains("{key}") {
                        return Err(syn::Error::new(
                            lit.span(),
                            "`sql_template` must contain `{key}`, the placeholder of the map key",
                        ));
                    }
                    set_once(&mut out.sql_template, lit, span, "sql_template")
                }
                "mongo" => {
                    let lit = string(&meta)?;
                    check_name(&lit)?;
                    set_once(&mut out.mongo, lit, span, "mongo")
                }
                "alias" => {
                    let lit = string(&meta)?;
                    check_name(&lit)?;
                    out.aliases.push(lit);
                    Ok(())
                }
                _ => Err(syn::Error::new(
                    span,
                    format!(
                        "unknown rsql attribute `{}`; expected one of: name, alias, skip, \
                         sortable, timestamp, string, integer, float, bool, values, multi, map, \
                         nested, numeric_strings, no_wildcards, missing, sql, sql_from, \
                         sql_join, sql_template, mongo",
                        path_text(&meta.path)
                    ),
                )),
            }
        })?;
    }
    Ok(out)
}

/// Reads every `#[rsql(...)]` on the struct.
pub(crate) fn container_attrs(attrs: &[Attribute]) -> syn::Result<ContainerAttrs> {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("rsql")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                let path: syn::Path = lit.parse()?;
                return set_once(&mut out.krate, path, lit.span(), "crate");
            }
            Err(syn::Error::new(
                meta.path.span(),
                format!(
                    "unknown rsql attribute `{}` on a struct; expected `crate = \"path\"` \
                     (the field attributes go on the fields)",
                    path_text(&meta.path)
                ),
            ))
        })?;
    }
    Ok(out)
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// A selector name or path: dot-separated, no empty segment.
fn check_name(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    if value.split('.').any(str::is_empty) {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{value}` is not a field name: it has an empty segment (`..`, or a leading or trailing `.`)"
            ),
        ));
    }
    Ok(())
}
