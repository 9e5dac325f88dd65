//! The model written out as Rust statics over `codec::schema`'s descriptor types. One line per
//! field and nothing that depends on the machine or the order files were listed in, so the output
//! is byte-for-byte reproducible and `make codegen-check` can compare it.

use crate::model::{Entity, Field, Message, Type, Versions};
use std::collections::BTreeSet;
use std::fmt::Write;

/// `JoinGroupRequestProtocol` -> `JOIN_GROUP_REQUEST_PROTOCOL`.
fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_lower = i > 0
            && chars
                .get(i - 1)
                .is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
        if c.is_uppercase() && i > 0 && (prev_lower || next_lower) {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn versions(v: Versions) -> String {
    if v == Versions::NONE {
        "Versions::NONE".to_owned()
    } else if v.max == i16::MAX {
        format!("Versions::since({})", v.min)
    } else {
        format!("Versions::range({}, {})", v.min, v.max)
    }
}

fn scalar(name: &str) -> &'static str {
    match name {
        "bool" => "Scalar::Bool",
        "int8" => "Scalar::Int8",
        "int16" => "Scalar::Int16",
        "uint16" => "Scalar::Uint16",
        "int32" => "Scalar::Int32",
        "uint32" => "Scalar::Uint32",
        "int64" => "Scalar::Int64",
        "float64" => "Scalar::Float64",
        "string" => "Scalar::String",
        "bytes" => "Scalar::Bytes",
        "records" => "Scalar::Records",
        _ => "Scalar::Uuid",
    }
}

fn entity(e: Entity) -> &'static str {
    match e {
        Entity::TopicName => "EntityKind::TopicName",
        Entity::GroupId => "EntityKind::GroupId",
        Entity::TransactionalId => "EntityKind::TransactionalId",
        Entity::TopicId => "EntityKind::TopicId",
    }
}

/// The static that holds a message's top-level field list (`struct_name` None) or a struct's.
fn list_name(message: &str, struct_name: Option<&str>) -> String {
    match struct_name {
        None => format!("{}__FIELDS", upper_snake(message)),
        Some(s) => format!("{}__{}", upper_snake(message), upper_snake(s)),
    }
}

fn field_line(message: &str, f: &Field) -> String {
    let ty = match &f.ty {
        Type::Scalar(s) => format!("Type::Scalar({})", scalar(s)),
        Type::ScalarArray(s) => format!("Type::Array(Element::Scalar({}))", scalar(s)),
        Type::Struct(s) => format!("Type::Struct(&{})", list_name(message, Some(s))),
        Type::StructArray(s) => format!(
            "Type::Array(Element::Struct(&{}))",
            list_name(message, Some(s))
        ),
    };
    let mut line = format!(
        "    Field::new({:?}, {ty}, {})",
        f.name,
        versions(f.versions)
    );
    if f.nullable != Versions::NONE {
        let _ = write!(line, ".nullable({})", versions(f.nullable));
    }
    if let Some(tag) = f.tag {
        let _ = write!(line, ".tagged({}, {tag})", versions(f.tagged));
    }
    if let Some(e) = f.entity {
        let _ = write!(line, ".entity({})", entity(e));
    }
    if f.default != 0 {
        let _ = write!(line, ".default({})", f.default);
    }
    line.push_str(",\n");
    line
}

fn field_list(out: &mut String, message: &str, name: &str, fields: &[Field]) {
    let _ = writeln!(out, "static {name}: [Field; {}] = [", fields.len());
    for f in fields {
        out.push_str(&field_line(message, f));
    }
    out.push_str("];\n");
}

/// The `MessageSchema` static for `m`, and every field list it refers to.
fn message(out: &mut String, names: &mut BTreeSet<String>, m: &Message) -> Result<(), String> {
    let mut lists = vec![(list_name(&m.name, None), m.fields.as_slice())];
    for (s, fields) in &m.structs {
        lists.push((list_name(&m.name, Some(s)), fields.as_slice()));
    }
    let schema_name = upper_snake(&m.name);
    for name in lists
        .iter()
        .map(|(n, _)| n)
        .chain(std::iter::once(&schema_name))
    {
        if !names.insert(name.clone()) {
            return Err(format!("{}: the name {name} is used twice", m.name));
        }
    }
    let _ = writeln!(out, "\n/// `{}`.", m.name);
    let _ = writeln!(
        out,
        "pub static {schema_name}: MessageSchema = MessageSchema {{ name: {:?}, versions: {}, flexible: {}, fields: &{} }};",
        m.name,
        versions(m.versions),
        versions(m.flexible),
        list_name(&m.name, None)
    );
    for (name, fields) in lists {
        field_list(out, &m.name, &name, fields);
    }
    Ok(())
}

/// The whole generated file. `apis` is (key, name, request, response), ascending by key.
pub fn generated_file(
    apis: &[(i16, String, Message, Message)],
    data: &[Message],
) -> Result<String, String> {
    let mut out = String::new();
    out.push_str(
        "// @generated by vendor-free-codec/codegen (`make codegen`) from Apache Kafka's JSON message\n\
         // schemas in shared/kafka-protocol/ (newest/ first, older/ for the keys it lacks). Do not edit:\n\
         // `make codegen-check` fails when this file differs from what the schemas give.\n\n\
         use super::types::{ApiSchema, Element, EntityKind, Field, MessageSchema, Scalar, Type, Versions};\n\n",
    );
    let _ = writeln!(out, "/// Every API key in the schemas, ascending.");
    let _ = writeln!(out, "pub static APIS: [ApiSchema; {}] = [", apis.len());
    for (key, name, request, response) in apis {
        let _ = writeln!(
            out,
            "    ApiSchema {{ api_key: {key}, name: {name:?}, request: &{}, response: &{} }},",
            upper_snake(&request.name),
            upper_snake(&response.name)
        );
    }
    out.push_str("];\n");
    let mut names = BTreeSet::new();
    for m in data {
        message(&mut out, &mut names, m)?;
    }
    for (_, _, request, response) in apis {
        message(&mut out, &mut names, request)?;
        message(&mut out, &mut names, response)?;
    }
    Ok(out)
}
