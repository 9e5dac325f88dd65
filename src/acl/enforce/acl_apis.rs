//! DescribeAcls, CreateAcls and DeleteAcls, answered by kgate in every version and never
//! forwarded: a tenant never reaches the physical cluster's ACLs.
//!
//! - No policy, or ACLs disabled: SECURITY_DISABLED (54).
//! - [`AclMode::KafkaApi`]: only the policy's `acl_admins` may use them (others:
//!   CLUSTER_AUTHORIZATION_FAILED). DescribeAcls lists the bindings a filter selects, grouped
//!   by resource pattern as Kafka does; CreateAcls validates each creation (INVALID_REQUEST with
//!   the reason for a bad one) and persists the valid ones; DeleteAcls removes what each filter
//!   selects and lists it. Changes go through [`PolicySource::replace_bindings`].
//! - [`AclMode::RestApi`]: DescribeAcls is answered for `acl_admins` and super users;
//!   CreateAcls / DeleteAcls are refused (31): the REST API manages the bindings.

use codec::schema::{Struct, Value};

use crate::acl::authorizer::{
    AclFilter, Requester, DELETE_ACLS_UNKNOWN_ELEMENTS, DESCRIBE_ACLS_UNKNOWN_ELEMENTS,
};
use crate::acl::binding::{
    AclBinding, Operation, PatternType, Permission, ResourcePattern, ResourceType,
};
use crate::pipeline::session::Session;

use super::check::code;
use super::tree::{self, Msg, Put};
use super::{AclMode, AclPolicy, PolicySource};

/// One ACL API request and what it is answered from.
pub(crate) struct AclCall<'a> {
    /// Where changes are persisted.
    pub source: &'a dyn PolicySource,
    /// The connection.
    pub session: &'a Session,
    /// The policy, when ACLs are on.
    pub policy: Option<&'a AclPolicy>,
    /// Who asks.
    pub who: Requester<'a>,
    /// The API and version.
    pub m: Msg,
    /// The request body.
    pub body: &'a [u8],
}

/// The message of SECURITY_DISABLED.
const DISABLED: &str = "No Authorizer is configured: ACLs are disabled on this gateway";

/// The message of a refused CreateAcls / DeleteAcls in REST_API mode.
const REST_MANAGED: &str =
    "ACLs of this cluster are managed via kgate's admin REST API, not with Kafka's ACL APIs";

/// The answer to an ACL API request, or why the connection closes.
pub(crate) fn answer(call: AclCall<'_>) -> Result<Vec<u8>, String> {
    let req = tree::read(call.body, call.m.req())?.root;
    match call.m.api_key {
        29 => describe(&call, &req),
        30 => create(&call, &req),
        31 => delete(&call, &req),
        other => Err(format!("acl: API {other} is not an ACL API")),
    }
}

/// Why the requester may not use the ACL APIs for `what` (`read_only`: DescribeAcls), if so.
fn refusal(call: &AclCall<'_>, policy: &AclPolicy, what: &str, read_only: bool) -> Option<String> {
    let principal = call.who.principal;
    let admin = policy.is_acl_admin(principal);
    match policy.mode {
        AclMode::KafkaApi if admin => None,
        AclMode::KafkaApi => Some(format!(
            "{principal} is not authorized to {what}: only ACL admins may use Kafka's ACL APIs"
        )),
        AclMode::RestApi if !read_only => Some(REST_MANAGED.to_owned()),
        AclMode::RestApi if admin || policy.authorizer.is_super_user(&call.who) => None,
        AclMode::RestApi => Some(format!(
            "{principal} is not authorized to {what}: only ACL admins and super users may"
        )),
    }
}

fn int8(s: &Struct, name: &str, default: i8) -> i8 {
    s.int(name)
        .map_or(Some(default), |v| i8::try_from(v).ok())
        .unwrap_or(0)
}

fn opt_str(s: &Struct, name: &str) -> Option<String> {
    s.str(name).map(str::to_owned)
}

/// The filter of a DescribeAcls request or a DeleteAcls filter entry (v0 of the pattern type:
/// LITERAL, as Kafka reads it).
fn filter_of(s: &Struct) -> Option<AclFilter> {
    AclFilter::from_codes(
        int8(s, "ResourceTypeFilter", 0),
        opt_str(s, "ResourceNameFilter"),
        int8(s, "PatternTypeFilter", PatternType::Literal.code()),
        opt_str(s, "PrincipalFilter"),
        opt_str(s, "HostFilter"),
        int8(s, "Operation", 0),
        int8(s, "PermissionType", 0),
    )
}

fn describe(call: &AclCall<'_>, req: &Struct) -> Result<Vec<u8>, String> {
    let resp = call.m.resp();
    let mut root = tree::empty(resp)?;
    let outcome = match call.policy {
        None => Err((code::SECURITY_DISABLED, DISABLED.to_owned())),
        Some(policy) => match refusal(call, policy, "describe ACLs", true) {
            Some(why) => Err((code::CLUSTER_AUTHORIZATION_FAILED, why)),
            None => match filter_of(req) {
                None => Err((
                    code::INVALID_REQUEST,
                    DESCRIBE_ACLS_UNKNOWN_ELEMENTS.to_owned(),
                )),
                Some(filter) => Ok(policy.authorizer.matching(&filter).cloned().collect()),
            },
        },
    };
    match outcome {
        Err((code, message)) => tree::set_top_error(&mut root, resp, code, &message),
        Ok(bindings) => {
            let bindings: Vec<AclBinding> = bindings;
            tree::put(&mut root, resp, &[], "ErrorMessage", Put::OptStr(None));
            let mut resources: Vec<(ResourcePattern, Vec<Struct>)> = Vec::new();
            for b in &bindings {
                let path = ["Resources", "Acls"];
                let mut acl = tree::element(resp, &path)?;
                tree::put(&mut acl, resp, &path, "Principal", Put::Str(&b.principal));
                tree::put(&mut acl, resp, &path, "Host", Put::Str(&b.host));
                tree::put(
                    &mut acl,
                    resp,
                    &path,
                    "Operation",
                    Put::Int(b.operation.code().into()),
                );
                tree::put(
                    &mut acl,
                    resp,
                    &path,
                    "PermissionType",
                    Put::Int(b.permission.code().into()),
                );
                match resources.iter_mut().find(|(p, _)| *p == b.pattern) {
                    Some((_, acls)) => acls.push(acl),
                    None => resources.push((b.pattern.clone(), vec![acl])),
                }
            }
            let mut list = Vec::with_capacity(resources.len());
            for (pattern, acls) in resources {
                let path = ["Resources"];
                let mut r = tree::element(resp, &path)?;
                tree::put(
                    &mut r,
                    resp,
                    &path,
                    "ResourceType",
                    Put::Int(pattern.resource_type.code().into()),
                );
                tree::put(&mut r, resp, &path, "ResourceName", Put::Str(&pattern.name));
                tree::put(
                    &mut r,
                    resp,
                    &path,
                    "PatternType",
                    Put::Int(pattern.pattern_type.code().into()),
                );
                r.set(
                    "Acls",
                    Value::Array(acls.into_iter().map(Value::Struct).collect()),
                );
                list.push(r);
            }
            root.set("Resources", Value::Array(Vec::new()));
            tree::append(&mut root, "Resources", list);
        }
    }
    tree::write(&root, &[], resp)
}

/// The binding a CreateAcls creation asks for, or why it is invalid.
fn binding_of(s: &Struct) -> Result<AclBinding, String> {
    let code_of = |name: &str, default: i64| -> i64 { s.int(name).unwrap_or(default) };
    let resource_type = i8::try_from(code_of("ResourceType", 0))
        .ok()
        .and_then(ResourceType::from_code)
        .filter(|t| *t != ResourceType::Any)
        .ok_or_else(|| format!("Invalid resource type code {}", code_of("ResourceType", 0)))?;
    let pattern_code = code_of("ResourcePatternType", PatternType::Literal.code().into());
    let pattern_type = i8::try_from(pattern_code)
        .ok()
        .and_then(PatternType::from_code)
        .ok_or_else(|| format!("Invalid patternType code {pattern_code}"))?;
    let operation = i8::try_from(code_of("Operation", 0))
        .ok()
        .and_then(Operation::from_code)
        .ok_or_else(|| format!("Invalid operation code {}", code_of("Operation", 0)))?;
    let permission = i8::try_from(code_of("PermissionType", 0))
        .ok()
        .and_then(Permission::from_code)
        .ok_or_else(|| {
            format!(
                "Invalid permissionType code {}",
                code_of("PermissionType", 0)
            )
        })?;
    let binding = AclBinding {
        pattern: ResourcePattern {
            resource_type,
            name: s.str("ResourceName").unwrap_or_default().to_owned(),
            pattern_type,
        },
        principal: s.str("Principal").unwrap_or_default().to_owned(),
        host: s.str("Host").unwrap_or_default().to_owned(),
        operation,
        permission,
    };
    binding.validate()?;
    Ok(binding)
}

fn create(call: &AclCall<'_>, req: &Struct) -> Result<Vec<u8>, String> {
    let creations: Vec<&Struct> = req
        .array("Creations")
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_struct)
        .collect();
    let results: Vec<(i16, Option<String>)> = match call.policy {
        None => vec![(code::SECURITY_DISABLED, Some(DISABLED.to_owned())); creations.len()],
        Some(policy) => match refusal(call, policy, "create ACLs", false) {
            Some(why) => vec![(code::CLUSTER_AUTHORIZATION_FAILED, Some(why)); creations.len()],
            None => {
                let parsed: Vec<Result<AclBinding, String>> =
                    creations.iter().map(|s| binding_of(s)).collect();
                let valid: Vec<AclBinding> = parsed
                    .iter()
                    .filter_map(|p| p.as_ref().ok())
                    .cloned()
                    .collect();
                let stored = if valid.is_empty() {
                    Ok(())
                } else {
                    call.source.replace_bindings(call.session, &mut |current| {
                        let mut next = current.to_vec();
                        for b in &valid {
                            if !next.contains(b) {
                                next.push(b.clone());
                            }
                        }
                        next
                    })
                };
                parsed
                    .into_iter()
                    .map(|p| match (p, &stored) {
                        (Err(why), _) => (code::INVALID_REQUEST, Some(why)),
                        (Ok(_), Ok(())) => (0, None),
                        (Ok(_), Err(why)) => (code::UNKNOWN_SERVER_ERROR, Some(why.clone())),
                    })
                    .collect()
            }
        },
    };
    let resp = call.m.resp();
    let mut root = tree::empty(resp)?;
    let mut list = Vec::with_capacity(results.len());
    for (code, message) in results {
        let mut r = tree::element(resp, &["Results"])?;
        tree::put(
            &mut r,
            resp,
            &["Results"],
            "ErrorCode",
            Put::Int(code.into()),
        );
        tree::put(
            &mut r,
            resp,
            &["Results"],
            "ErrorMessage",
            Put::OptStr(message.as_deref()),
        );
        list.push(r);
    }
    tree::append(&mut root, "Results", list);
    tree::write(&root, &[], resp)
}

/// What one DeleteAcls filter came to.
enum Deleted {
    /// Refused, with this error.
    Error(i16, String),
    /// These bindings matched and were removed.
    Matched(Vec<AclBinding>),
}

fn delete(call: &AclCall<'_>, req: &Struct) -> Result<Vec<u8>, String> {
    let entries: Vec<&Struct> = req
        .array("Filters")
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_struct)
        .collect();
    let results: Vec<Deleted> = match call.policy {
        None => entries
            .iter()
            .map(|_| Deleted::Error(code::SECURITY_DISABLED, DISABLED.to_owned()))
            .collect(),
        Some(policy) => match refusal(call, policy, "delete ACLs", false) {
            Some(why) => entries
                .iter()
                .map(|_| Deleted::Error(code::CLUSTER_AUTHORIZATION_FAILED, why.clone()))
                .collect(),
            None => delete_matching(call, &entries),
        },
    };
    let resp = call.m.resp();
    let mut root = tree::empty(resp)?;
    let mut list = Vec::with_capacity(results.len());
    for result in results {
        let path = ["FilterResults"];
        let mut r = tree::element(resp, &path)?;
        match result {
            Deleted::Error(code, message) => {
                tree::put(&mut r, resp, &path, "ErrorCode", Put::Int(code.into()));
                tree::put(&mut r, resp, &path, "ErrorMessage", Put::Str(&message));
            }
            Deleted::Matched(bindings) => {
                tree::put(&mut r, resp, &path, "ErrorMessage", Put::OptStr(None));
                let mut matched = Vec::with_capacity(bindings.len());
                for b in &bindings {
                    matched.push(Value::Struct(matching_acl(call.m, b)?));
                }
                r.set("MatchingAcls", Value::Array(matched));
            }
        }
        list.push(r);
    }
    tree::append(&mut root, "FilterResults", list);
    tree::write(&root, &[], resp)
}

/// Removes what the valid filters select; per filter, what it removed or why it is refused.
fn delete_matching(call: &AclCall<'_>, entries: &[&Struct]) -> Vec<Deleted> {
    let filters: Vec<Option<AclFilter>> = entries.iter().map(|s| filter_of(s)).collect();
    let mut matched: Vec<Vec<AclBinding>> = vec![Vec::new(); filters.len()];
    let stored = if filters.iter().all(Option::is_none) {
        Ok(())
    } else {
        call.source.replace_bindings(call.session, &mut |current| {
            for (slot, filter) in matched.iter_mut().zip(&filters) {
                *slot = match filter {
                    Some(f) => current.iter().filter(|b| f.matches(b)).cloned().collect(),
                    None => Vec::new(),
                };
            }
            current
                .iter()
                .filter(|b| !filters.iter().flatten().any(|f| f.matches(b)))
                .cloned()
                .collect()
        })
    };
    filters
        .iter()
        .zip(matched)
        .map(|(filter, bindings)| match (filter, &stored) {
            (None, _) => Deleted::Error(
                code::INVALID_REQUEST,
                DELETE_ACLS_UNKNOWN_ELEMENTS.to_owned(),
            ),
            (Some(_), Ok(())) => Deleted::Matched(bindings),
            (Some(_), Err(why)) => Deleted::Error(code::UNKNOWN_SERVER_ERROR, why.clone()),
        })
        .collect()
}

/// One DeleteAcls `MatchingAcls` entry.
fn matching_acl(m: Msg, b: &AclBinding) -> Result<Struct, String> {
    let resp = m.resp();
    let path = ["FilterResults", "MatchingAcls"];
    let mut e = tree::element(resp, &path)?;
    let ints = [
        ("ResourceType", b.pattern.resource_type.code()),
        ("PatternType", b.pattern.pattern_type.code()),
        ("Operation", b.operation.code()),
        ("PermissionType", b.permission.code()),
    ];
    for (field, v) in ints {
        tree::put(&mut e, resp, &path, field, Put::Int(v.into()));
    }
    tree::put(&mut e, resp, &path, "ErrorMessage", Put::OptStr(None));
    tree::put(
        &mut e,
        resp,
        &path,
        "ResourceName",
        Put::Str(&b.pattern.name),
    );
    tree::put(&mut e, resp, &path, "Principal", Put::Str(&b.principal));
    tree::put(&mut e, resp, &path, "Host", Put::Str(&b.host));
    Ok(e)
}
