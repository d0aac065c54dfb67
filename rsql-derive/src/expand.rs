//! From a struct to `impl Record` and `impl RecordSchema`: each field is
//! checked against its attributes ([`plan`]), then the two impls are written
//! from the plans ([`derive`]).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::attrs::{self, FieldAttrs, Missing, Scalar};
use crate::types::{self, Shape};

/// How the `Record` impl reads a field.
enum Access<'a> {
    /// One value.
    One(Scalar),
    /// `Option<T>`.
    Maybe(Scalar),
    /// Many values (a multi-valued field).
    Many(Scalar),
    /// A string-keyed map (a dynamic field).
    Map(Scalar),
    /// Another record, its fields under this one's name.
    Nested(&'a Type),
    /// An optional record.
    NestedMaybe(&'a Type),
    /// Records, each field multi-valued under this one's name.
    NestedMany(&'a Type),
}

/// One field that takes part in the schema.
struct Plan<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    name: String,
    access: Access<'a>,
    attrs: FieldAttrs,
}

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let container = attrs::container_attrs(&input.attrs)?;
    let krate = container
        .krate
        .map_or_else(|| quote!(::rsql), |path| quote!(#path));
    if let Some(param) = input.generics.type_params().next() {
        return Err(syn::Error::new(
            param.span(),
            "#[derive(rsql::Record)] does not support type parameters (the schema is built once \
             per struct); lifetimes are fine",
        ));
    }
    if let Some(param) = input.generics.const_params().next() {
        return Err(syn::Error::new(
            param.span(),
            "#[derive(rsql::Record)] does not support const parameters",
        ));
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            _ => {
                return Err(syn::Error::new(
                    input.ident.span(),
                    "#[derive(rsql::Record)] needs a struct with named fields",
                ));
            }
        },
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                "#[derive(rsql::Record)] works on structs only",
            ));
        }
    };

    let mut plans = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_err = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut seen: Vec<(String, Span)> = Vec::new();
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        match plan(ident, &field.ty, &field.attrs) {
            Ok(Some(p)) => {
                let names = std::iter::once((
                    p.name.clone(),
                    p.attrs.name.as_ref().map_or(ident.span(), LitStr::span),
                ))
                .chain(p.attrs.aliases.iter().map(|a| (a.value(), a.span())));
                for (name, span) in names {
                    if seen.iter().any(|(n, _)| *n == name) {
                        push_err(syn::Error::new(
                            span,
                            format!("the name `{name}` is already used by another field or alias"),
                        ));
                    } else {
                        seen.push((name, span));
                    }
                }
                plans.push(p);
            }
            Ok(None) => {}
            Err(e) => push_err(e),
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }

    let record = record_impl(input, &krate, &plans);
    let schema = schema_impl(input, &krate, &plans);
    Ok(quote! {
        #record
        #schema
    })
}

/// Checks one field's type against its attributes; `None` for `skip`.
fn plan<'a>(
    ident: &'a Ident,
    ty: &'a Type,
    raw: &[syn::Attribute],
) -> syn::Result<Option<Plan<'a>>> {
    let attrs = attrs::field_attrs(raw)?;
    if let Some(skip) = attrs.skip {
        let others = attrs.name.is_some()
            || attrs.scalar.is_some()
            || attrs.values.is_some()
            || attrs.multi.is_some()
            || attrs.map.is_some()
            || attrs.nested.is_some()
            || attrs.sortable.is_some()
            || attrs.numeric_strings.is_some()
            || attrs.no_wildcards.is_some()
            || attrs.missing.is_some()
            || attrs.sql.is_some()
            || attrs.sql_from.is_some()
            || attrs.sql_join.is_some()
            || attrs.sql_template.is_some()
            || attrs.mongo.is_some()
            || !attrs.aliases.is_empty();
        if others {
            return Err(syn::Error::new(
                skip,
                "`skip` cannot be combined with other rsql attributes",
            ));
        }
        return Ok(None);
    }
    let ident_text = ident.to_string();
    let name = attrs.name.as_ref().map_or_else(
        || {
            ident_text
                .strip_prefix("r#")
                .unwrap_or(&ident_text)
                .to_owned()
        },
        LitStr::value,
    );
    let unsupported = |why: &str| -> syn::Error {
        syn::Error::new_spanned(
            ty,
            format!(
                "unsupported type for an rsql field {why}; supported: String, &str, Box<str>, \
                 Arc<str>, Rc<str>, Cow<str>, i8..i64, u8..u32, f32, f64, bool, \
                 chrono::DateTime<Tz>, Option and Vec of those, HashMap/BTreeMap with text \
                 keys, `#[rsql(nested)]` / `#[rsql(multi)]` records, or `#[rsql(skip)]`"
            ),
        )
    };
    let forced = attrs.scalar;
    // The scalar the type holds, with `#[rsql(<type>)]` applied.
    let pick = |found: Option<Scalar>| -> syn::Result<Scalar> {
        match (found, forced) {
            (Some(s), None) => Ok(s),
            (None, Some((f, _))) => Ok(f),
            (Some(s), Some((f, _))) if s == f => Ok(s),
            (Some(Scalar::Int), Some((Scalar::Time, _))) => Ok(Scalar::Time),
            (Some(s), Some((f, span))) => Err(syn::Error::new(
                span,
                format!(
                    "`{}` does not fit this field's type, which holds {}{}",
                    f.attr_name(),
                    describe(s),
                    if f == Scalar::Time {
                        "; a timestamp is an integer of epoch milliseconds or a chrono::DateTime"
                    } else {
                        ""
                    }
                ),
            )),
            (None, None) => Err(unsupported("")),
        }
    };
    let shape = types::shape(ty);
    let wrong = |attr: Option<Span>, what: &str, need: &str| -> syn::Result<()> {
        match attr {
            Some(span) => Err(syn::Error::new(span, format!("`{what}` needs {need}"))),
            None => Ok(()),
        }
    };
    let access = match shape {
        Shape::One(s) => {
            wrong(attrs.multi, "multi", "a Vec<T>, &[T] or Box<[T]> field")?;
            wrong(attrs.map, "map", "a HashMap or BTreeMap field")?;
            wrong(
                attrs.nested,
                "nested",
                "a field whose type derives rsql::Record",
            )?;
            Access::One(pick(Some(s))?)
        }
        Shape::Maybe(s) => {
            wrong(attrs.multi, "multi", "a Vec<T>, &[T] or Box<[T]> field")?;
            wrong(attrs.map, "map", "a HashMap or BTreeMap field")?;
            wrong(
                attrs.nested,
                "nested",
                "a field whose type derives rsql::Record",
            )?;
            Access::Maybe(pick(Some(s))?)
        }
        Shape::Many(s) => {
            wrong(attrs.map, "map", "a HashMap or BTreeMap field")?;
            wrong(
                attrs.nested,
                "nested",
                "a record type; a list of records takes `multi`",
            )?;
            Access::Many(pick(Some(s))?)
        }
        Shape::Map(s) => {
            wrong(
                attrs.multi,
                "multi",
                "a Vec<T>, &[T] or Box<[T]> field (a map is a dynamic field)",
            )?;
            wrong(
                attrs.nested,
                "nested",
                "a field whose type derives rsql::Record",
            )?;
            Access::Map(pick(Some(s))?)
        }
        Shape::BadMap => {
            return Err(unsupported(
                "(a map needs String/&str/Box<str> keys and values of a supported scalar type)",
            ));
        }
        Shape::MaybeOther(inner) => {
            wrong(attrs.multi, "multi", "a Vec<T>, &[T] or Box<[T]> field")?;
            wrong(attrs.map, "map", "a HashMap or BTreeMap field")?;
            if forced.is_some() {
                Access::Maybe(pick(None)?)
            } else if attrs.nested.is_some() {
                Access::NestedMaybe(inner)
            } else {
                return Err(unsupported(
                    "(if the inner type derives rsql::Record, mark the field `#[rsql(nested)]`)",
                ));
            }
        }
        Shape::ManyOther(elem) => {
            wrong(attrs.map, "map", "a HashMap or BTreeMap field")?;
            wrong(
                attrs.nested,
                "nested",
                "a record type; a list of records takes `multi`",
            )?;
            if forced.is_some() {
                Access::Many(pick(None)?)
            } else if attrs.multi.is_some() {
                Access::NestedMany(elem)
            } else {
                return Err(unsupported(
                    "(if the element type derives rsql::Record, mark the field `#[rsql(multi)]`)",
                ));
            }
        }
        Shape::Other => {
            wrong(attrs.multi, "multi", "a Vec<T>, &[T] or Box<[T]> field")?;
            wrong(attrs.map, "map", "a HashMap or BTreeMap field")?;
            if let Some(why) = types::refused_integer(ty) {
                return Err(syn::Error::new_spanned(
                    ty,
                    format!("this integer type {why}"),
                ));
            }
            if forced.is_some() {
                Access::One(pick(None)?)
            } else if attrs.nested.is_some() {
                Access::Nested(ty)
            } else {
                return Err(unsupported(
                    "(if the type derives rsql::Record, mark the field `#[rsql(nested)]`; if it \
                     is an alias of a supported type, say which: `#[rsql(string)]`, \
                     `#[rsql(integer)]`, `#[rsql(float)]`, `#[rsql(bool)]`, `#[rsql(timestamp)]`)",
                ));
            }
        }
    };
    check_combinations(&attrs, &access)?;
    Ok(Some(Plan {
        ident,
        ty,
        name,
        access,
        attrs,
    }))
}

fn describe(s: Scalar) -> &'static str {
    match s {
        Scalar::Str => "text",
        Scalar::Int => "an integer",
        Scalar::Float => "a float",
        Scalar::Bool => "a bool",
        Scalar::Time => "an instant",
    }
}

/// Attributes that only make sense on some kinds of field.
fn check_combinations(a: &FieldAttrs, access: &Access<'_>) -> syn::Result<()> {
    let err = |span: Span, msg: &str| Err(syn::Error::new(span, msg.to_owned()));
    let scalar = match access {
        Access::One(s) | Access::Maybe(s) | Access::Many(s) | Access::Map(s) => Some(*s),
        _ => None,
    };
    let nested = scalar.is_none();
    if scalar != Some(Scalar::Str) {
        if let Some((_, span)) = &a.values {
            return err(*span, "`values(...)` (an enum field) needs a text field");
        }
        if let Some(span) = a.numeric_strings {
            return err(span, "`numeric_strings` needs a text field");
        }
        if let Some(span) = a.no_wildcards {
            return err(span, "`no_wildcards` needs a text field");
        }
    }
    if nested {
        if let Some(span) = a.sortable {
            return err(
                span,
                "`sortable` needs a single-valued scalar field, not a record",
            );
        }
        if let Some((_, span)) = a.missing {
            return err(
                span,
                "`missing` applies to the fields of the nested record, not to the record",
            );
        }
        if let Some(sql) = &a.sql {
            return err(
                sql.span(),
                "`sql` on a record field: the columns are the `sql` of the nested record's fields",
            );
        }
        if let Some(t) = &a.sql_template {
            return err(t.span(), "`sql_template` needs a map field");
        }
    }
    match access {
        Access::Many(_) | Access::NestedMany(_) => {
            if let Some(span) = a.sortable {
                return err(span, "`sortable` needs a single-valued field, not a list");
            }
            match (&a.sql_from, &a.sql_join) {
                (Some(from), None) => {
                    return err(from.span(), "`sql_from` needs `sql_join` as well");
                }
                (None, Some(join)) => {
                    return err(join.span(), "`sql_join` needs `sql_from` as well");
                }
                _ => {}
            }
            if let (Access::Many(_), Some(from), None) = (access, &a.sql_from, &a.sql) {
                return err(
                    from.span(),
                    "`sql_from` / `sql_join` need `sql`, the column in that table",
                );
            }
            if let (Access::Many(_), None, Some(sql)) = (access, &a.sql_from, &a.sql) {
                return err(
                    sql.span(),
                    "a list field is stored in a child table: give `sql_from` and `sql_join` \
                     with `sql` (the column)",
                );
            }
        }
        _ => {
            if let Some(from) = a.sql_from.as_ref().or(a.sql_join.as_ref()) {
                return err(
                    from.span(),
                    "`sql_from` / `sql_join` need a list field (Vec<T>)",
                );
            }
        }
    }
    match access {
        Access::Map(_) => {
            if let Some(span) = a.sortable {
                return err(span, "`sortable` needs a single-valued field, not a map");
            }
            if let (Some(sql), Some(_)) = (&a.sql, &a.sql_template) {
                return err(
                    sql.span(),
                    "give either `sql` (a JSON column) or `sql_template`, not both",
                );
            }
        }
        _ => {
            if let Some(t) = &a.sql_template {
                return err(t.span(), "`sql_template` needs a map field");
            }
        }
    }
    Ok(())
}

fn field_type(krate: &TokenStream, s: Scalar, values: Option<&(Vec<LitStr>, Span)>) -> TokenStream {
    match (s, values) {
        (Scalar::Str, Some((values, _))) => quote!(#krate::FieldType::enumeration([#(#values),*])),
        (Scalar::Str, None) => quote!(#krate::FieldType::String),
        (Scalar::Int, _) => quote!(#krate::FieldType::Integer),
        (Scalar::Float, _) => quote!(#krate::FieldType::Float),
        (Scalar::Bool, _) => quote!(#krate::FieldType::Bool),
        (Scalar::Time, _) => quote!(#krate::FieldType::Timestamp),
    }
}

/// `AsStr::field_value` and friends, spanned on the field's type so that a
/// type that does not hold the scalar fails with the field underlined.
fn convert(krate: &TokenStream, s: Scalar, ty: &Type) -> TokenStream {
    let tr = match s {
        Scalar::Str => quote!(AsStr),
        Scalar::Int => quote!(AsInt),
        Scalar::Float => quote!(AsFloat),
        Scalar::Bool => quote!(AsBool),
        Scalar::Time => quote!(AsTime),
    };
    let span = ty.span();
    let krate = respan(krate.clone(), span);
    quote_spanned!(span=> #krate::__private::#tr::field_value)
}

/// `tokens` with every span set to `span`, so that an error about them
/// points there.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(g) = &tree {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tree = proc_macro2::TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

fn opt_str(s: Option<&LitStr>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// Where a field's ids start: a literal until the first nested record, then
/// an expression over the nested records' `FIELD_COUNT`s.
#[derive(Clone)]
struct Offset {
    fixed: usize,
    nested: Vec<TokenStream>,
}

impl Offset {
    fn tokens(&self) -> TokenStream {
        let fixed = self.fixed;
        let nested = &self.nested;
        quote!((#fixed #(+ #nested)*))
    }
}

fn offsets(krate: &TokenStream, plans: &[Plan<'_>]) -> (Vec<Offset>, Offset) {
    let mut at = Offset {
        fixed: 0,
        nested: Vec::new(),
    };
    let mut out = Vec::new();
    for p in plans {
        out.push(at.clone());
        match p.access {
            Access::Nested(t) | Access::NestedMaybe(t) | Access::NestedMany(t) => {
                at.nested
                    .push(quote!(<#t as #krate::RecordSchema>::FIELD_COUNT));
            }
            _ => at.fixed += 1,
        }
    }
    (out, at)
}

fn record_impl(input: &DeriveInput, krate: &TokenStream, plans: &[Plan<'_>]) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let name = &input.ident;
    let (offs, _) = offsets(krate, plans);
    let missing = quote!(#krate::FieldValue::Missing);
    let mut get_arms = Vec::new();
    let mut each_arms = Vec::new();
    let mut any_arms = Vec::new();
    for (p, off) in plans.iter().zip(&offs) {
        let ident = p.ident;
        // One id: a literal pattern while no nested record came before.
        let one = if off.nested.is_empty() {
            let n = off.fixed;
            quote!(#n)
        } else {
            let o = off.tokens();
            quote!(__i if __i == #o)
        };
        let range = |t: &Type| {
            let o = off.tokens();
            quote!(__i if (#o..#o + <#t as #krate::RecordSchema>::FIELD_COUNT).contains(&__i))
        };
        let sub = {
            let o = off.tokens();
            quote!(#krate::__private::sub_field(field, #o))
        };
        match p.access {
            Access::One(s) => {
                let conv = convert(krate, s, p.ty);
                get_arms.push(quote!(#one => #conv(&self.#ident),));
            }
            Access::Maybe(s) => {
                let conv = convert(krate, s, p.ty);
                get_arms.push(quote! {
                    #one => match &self.#ident {
                        ::core::option::Option::Some(__v) => #conv(__v),
                        ::core::option::Option::None => #missing,
                    },
                });
            }
            Access::Map(s) => {
                let conv = convert(krate, s, p.ty);
                get_arms.push(quote! {
                    #one => match field.key.and_then(|__k| self.#ident.get(__k)) {
                        ::core::option::Option::Some(__v) => #conv(__v),
                        ::core::option::Option::None => #missing,
                    },
                });
            }
            Access::Many(s) => {
                let conv = convert(krate, s, p.ty);
                let arm = quote!(#one => self.#ident.iter().any(|__v| f(#conv(__v))),);
                each_arms.push(arm.clone());
                any_arms.push(arm);
            }
            Access::Nested(t) => {
                let r = range(t);
                get_arms.push(quote!(#r => #krate::Record::get(&self.#ident, #sub),));
                each_arms.push(quote!(#r => #krate::Record::each(&self.#ident, #sub, f),));
                any_arms.push(quote!(#r => #krate::Record::any(&self.#ident, #sub, &mut f),));
            }
            Access::NestedMaybe(t) => {
                let r = range(t);
                get_arms.push(quote! {
                    #r => match &self.#ident {
                        ::core::option::Option::Some(__r) => #krate::Record::get(__r, #sub),
                        ::core::option::Option::None => #missing,
                    },
                });
                each_arms.push(quote! {
                    #r => match &self.#ident {
                        ::core::option::Option::Some(__r) => #krate::Record::each(__r, #sub, f),
                        ::core::option::Option::None => #krate::__private::absent::<#t>(#sub, f),
                    },
                });
                any_arms.push(quote! {
                    #r => match &self.#ident {
                        ::core::option::Option::Some(__r) => #krate::Record::any(__r, #sub, &mut f),
                        ::core::option::Option::None => #krate::__private::absent::<#t>(#sub, &mut f),
                    },
                });
            }
            Access::NestedMany(t) => {
                let r = range(t);
                // A member without the value adds no value (not a missing one).
                each_arms.push(quote! {
                    #r => {
                        let __s = #sub;
                        self.#ident.iter().any(|__r| #krate::Record::each(__r, __s, &mut |__v| !__v.is_missing() && f(__v)))
                    }
                });
                any_arms.push(quote! {
                    #r => {
                        let __s = #sub;
                        self.#ident.iter().any(|__r| #krate::Record::any(__r, __s, |__v| !__v.is_missing() && f(__v)))
                    }
                });
            }
        }
    }
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Record for #name #ty_generics #where_clause {
            #[inline]
            fn get(&self, field: #krate::FieldRef<'_>) -> #krate::FieldValue<'_> {
                let __i = field.id.index();
                match __i {
                    #(#get_arms)*
                    _ => #missing,
                }
            }

            #[inline]
            fn each(
                &self,
                field: #krate::FieldRef<'_>,
                f: &mut dyn ::core::ops::FnMut(#krate::FieldValue<'_>) -> bool,
            ) -> bool {
                let __i = field.id.index();
                match __i {
                    #(#each_arms)*
                    _ => f(#krate::Record::get(self, field)),
                }
            }

            #[inline]
            fn any<__F: ::core::ops::FnMut(#krate::FieldValue<'_>) -> bool>(
                &self,
                field: #krate::FieldRef<'_>,
                mut f: __F,
            ) -> bool {
                let __i = field.id.index();
                match __i {
                    #(#any_arms)*
                    _ => f(#krate::Record::get(self, field)),
                }
            }
        }
    }
}

fn schema_impl(input: &DeriveInput, krate: &TokenStream, plans: &[Plan<'_>]) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let name = &input.ident;
    let type_name = name.to_string();
    let (_, total) = offsets(krate, plans);
    let total = total.tokens();
    let decl = format_ident!("__d");
    let mut decls = Vec::new();
    for p in plans {
        let a = &p.attrs;
        let field_name = &p.name;
        let aliases = &a.aliases;
        let mongo = opt_str(a.mongo.as_ref());
        let sql_from = opt_str(a.sql_from.as_ref());
        let sql_join = opt_str(a.sql_join.as_ref());
        match p.access {
            Access::One(s) | Access::Maybe(s) | Access::Many(s) | Access::Map(s) => {
                let ty = field_type(krate, s, a.values.as_ref());
                let kind = match p.access {
                    Access::Many(_) => quote!(Multi),
                    Access::Map(_) => quote!(Dynamic),
                    _ => quote!(Plain),
                };
                let sortable = a.sortable.is_some();
                let numeric = a.numeric_strings.is_some();
                let wildcards = a.no_wildcards.is_none();
                let missing = match a.missing.map(|(m, _)| m) {
                    Some(Missing::Nothing) => {
                        quote!(::core::option::Option::Some(#krate::Missing::MatchesNothing))
                    }
                    Some(Missing::Negations) => {
                        quote!(::core::option::Option::Some(#krate::Missing::MatchesNegations))
                    }
                    None => quote!(::core::option::Option::None),
                };
                let sql = opt_str(a.sql.as_ref());
                let sql_template = opt_str(a.sql_template.as_ref());
                decls.push(quote! {
                    #decl.field(#krate::__private::Decl {
                        name: #field_name,
                        ty: #ty,
                        kind: #krate::__private::DeclKind::#kind,
                        sortable: #sortable,
                        numeric_strings: #numeric,
                        wildcards: #wildcards,
                        missing: #missing,
                        sql: #sql,
                        sql_from: #sql_from,
                        sql_join: #sql_join,
                        sql_template: #sql_template,
                        mongo: #mongo,
                        aliases: &[#(#aliases),*],
                    });
                });
            }
            Access::Nested(t) | Access::NestedMaybe(t) | Access::NestedMany(t) => {
                let multi = matches!(p.access, Access::NestedMany(_));
                decls.push(quote! {
                    #decl.nested::<#t>(#krate::__private::NestDecl {
                        name: #field_name,
                        multi: #multi,
                        sql_from: #sql_from,
                        sql_join: #sql_join,
                        mongo: #mongo,
                        aliases: &[#(#aliases),*],
                    });
                });
            }
        }
    }
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::RecordSchema for #name #ty_generics #where_clause {
            const FIELD_COUNT: usize = #total;

            fn schema() -> &'static #krate::Schema {
                static SCHEMA: ::std::sync::OnceLock<#krate::Schema> = ::std::sync::OnceLock::new();
                SCHEMA.get_or_init(|| #krate::__private::build_or_panic::<Self>(#type_name))
            }

            fn declare(#decl: &mut #krate::__private::Declarations) {
                #(#decls)*
            }
        }
    }
}
