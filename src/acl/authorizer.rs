//! The authorizer: Apache Kafka's `StandardAuthorizer` decisions over a fixed set of bindings,
//! and Kafka's `AclBindingFilter` for DescribeAcls / DeleteAcls.
//!
//! What is copied, and from where (Apache Kafka sources):
//! - `authorize`: `StandardAuthorizerData.authorize` / `findAclRule` / `findResult`. Super users
//!   are allowed; any matching DENY denies; else any matching ALLOW allows; else denied (kgate
//!   runs with Kafka's default `allow.everyone.if.no.acl.found=false`). A binding applies when
//!   its resource type is the one asked about, its pattern is the LITERAL name, the LITERAL `*`,
//!   or a PREFIXED prefix of the name, its principal is the requester's or `User:*`, its host is
//!   the requester's or `*`, and its operation is the one asked, or ALL, or (ALLOW bindings only)
//!   one that implies it: READ, WRITE, DELETE, ALTER imply DESCRIBE; ALTER_CONFIGS implies
//!   DESCRIBE_CONFIGS.
//! - `authorize_any`: the `Authorizer.authorizeByResourceType` default method (KIP-679), which
//!   `StandardAuthorizer` does not override.
//! - `AclFilter::matches`: `AclBindingFilter.matches` = `ResourcePatternFilter.matches` and
//!   `AccessControlEntryFilter.matches`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use super::binding::{
    AclBinding, Operation, PatternType, Permission, ResourcePattern, ResourceType, WILDCARD,
};

/// The principal in a binding that matches every principal (Kafka's `WILDCARD_PRINCIPAL`).
pub const WILDCARD_PRINCIPAL: &str = "User:*";

/// The message Kafka's `DescribeAclsRequest` gives (followed there by `": "` and the request
/// data) when a filter holds an UNKNOWN resource type, pattern type, operation or permission,
/// i.e. a code [`AclFilter::from_codes`] refuses. Kafka fails the request's parsing with it.
pub const DESCRIBE_ACLS_UNKNOWN_ELEMENTS: &str = "DescribeAclsRequest contains UNKNOWN elements";

/// The message Kafka's `DeleteAclsRequest` gives (followed there by `", filters: "` and the
/// filters) when a filter holds an UNKNOWN element; as for [`DESCRIBE_ACLS_UNKNOWN_ELEMENTS`].
pub const DELETE_ACLS_UNKNOWN_ELEMENTS: &str = "Filters contain UNKNOWN elements";

/// The resource name `authorizeByResourceType` first asks about, so that super users (and
/// anyone a matching binding allows for that name) pass without the per-pattern analysis.
const HARDCODED_NAME: &str = "hardcode";

/// Who asks: Kafka principal string (`User:alice`; `User:ANONYMOUS` for anonymous clients)
/// and the client's host (its IP as Kafka writes it, see [`kafka_host`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requester<'a> {
    /// `Type:name`, e.g. `User:alice`.
    pub principal: &'a str,
    /// The client address as text.
    pub host: &'a str,
}

/// The access-control part of one binding, as the index keeps it.
#[derive(Debug, Clone)]
struct Ace {
    principal: Box<str>,
    host: Box<str>,
    any_principal: bool,
    any_host: bool,
    operation: Operation,
    allow: bool,
}

impl Ace {
    fn new(binding: &AclBinding) -> Ace {
        Ace {
            principal: binding.principal.as_str().into(),
            host: binding.host.as_str().into(),
            any_principal: binding.principal == WILDCARD_PRINCIPAL,
            any_host: binding.host == WILDCARD,
            operation: binding.operation,
            allow: binding.permission == Permission::Allow,
        }
    }

    /// Kafka's `findResult`, the resource name already matched: `None` when the binding does
    /// not apply, else whether it allows.
    #[inline]
    fn applies(&self, who: &Requester<'_>, op: Operation) -> Option<bool> {
        if !self.any_principal && *self.principal != *who.principal {
            return None;
        }
        if !self.any_host && *self.host != *who.host {
            return None;
        }
        if operation_applies(self.operation, self.allow, op) {
            Some(self.allow)
        } else {
            None
        }
    }
}

/// Whether a binding's operation covers `wanted`: ALL covers everything; a DENY covers only its
/// own operation; an ALLOW also covers what it implies.
#[inline]
fn operation_applies(acl: Operation, allow: bool, wanted: Operation) -> bool {
    use Operation::*;
    if acl == All {
        return true;
    }
    if !allow {
        return acl == wanted;
    }
    match wanted {
        Describe => matches!(acl, Describe | Read | Write | Delete | Alter),
        DescribeConfigs => matches!(acl, DescribeConfigs | AlterConfigs),
        _ => acl == wanted,
    }
}

/// Scans bindings whose pattern matches; `true` when one of them denies (stop there).
#[inline]
fn scan(aces: &[Ace], who: &Requester<'_>, op: Operation, allowed: &mut bool) -> bool {
    for ace in aces {
        match ace.applies(who, op) {
            Some(false) => return true,
            Some(true) => *allowed = true,
            None => {}
        }
    }
    false
}

/// The bindings of one resource type, indexed by pattern.
#[derive(Debug, Clone, Default)]
struct TypeIndex {
    /// LITERAL bindings by exact name (`*` excluded).
    literal: HashMap<Box<str>, Vec<Ace>>,
    /// LITERAL `*` bindings.
    wildcard: Vec<Ace>,
    /// PREFIXED bindings by prefix.
    prefixed: HashMap<Box<str>, Vec<Ace>>,
    /// The distinct byte lengths of the prefixes, ascending: a name is checked against the
    /// prefixed map only at these lengths.
    prefix_lens: Vec<usize>,
    /// How many bindings the type has.
    count: usize,
}

impl TypeIndex {
    fn add(&mut self, binding: &AclBinding) {
        // Filter-only values never match anything (Kafka refuses to store such bindings).
        if binding.permission == Permission::Any
            || binding.operation == Operation::Any
            || binding.pattern.resource_type == ResourceType::Any
        {
            return;
        }
        let ace = Ace::new(binding);
        let name = binding.pattern.name.as_str();
        match binding.pattern.pattern_type {
            PatternType::Literal if name == WILDCARD => self.wildcard.push(ace),
            PatternType::Literal => self.literal.entry(name.into()).or_default().push(ace),
            PatternType::Prefixed => {
                self.prefixed.entry(name.into()).or_default().push(ace);
                if let Err(at) = self.prefix_lens.binary_search(&name.len()) {
                    self.prefix_lens.insert(at, name.len());
                }
            }
            PatternType::Any | PatternType::Match => return,
        }
        self.count += 1;
    }
}

/// Index of a resource type in `Authorizer::by_type`.
#[inline]
fn type_slot(resource_type: ResourceType) -> usize {
    resource_type.code() as usize
}

/// Number of slots: resource type codes are 1..=7.
const TYPE_SLOTS: usize = 8;

/// Kafka's `StandardAuthorizer` over a fixed set of bindings and super users.
#[derive(Debug, Clone)]
pub struct Authorizer {
    /// Every binding, once each, in the order first given.
    bindings: Vec<AclBinding>,
    /// The bindings indexed, by resource type code.
    by_type: [TypeIndex; TYPE_SLOTS],
    /// Super users, as `Type:name`.
    super_users: HashSet<String>,
}

impl Default for Authorizer {
    fn default() -> Authorizer {
        Authorizer::new(Vec::new(), Vec::new())
    }
}

impl Authorizer {
    /// Builds the authorizer. Bindings are expected to be valid ([`AclBinding::validate`]);
    /// identical bindings are kept once (Kafka keeps a set), and bindings with a filter-only
    /// value (ANY anything, MATCH) are listed but never match. `super_users` are principals (`User:admin`); a
    /// bare name `admin` means `User:admin`; surrounding spaces and empty entries are ignored.
    pub fn new(
        bindings: impl IntoIterator<Item = AclBinding>,
        super_users: impl IntoIterator<Item = String>,
    ) -> Authorizer {
        let mut seen = HashSet::new();
        let mut list = Vec::new();
        let mut by_type: [TypeIndex; TYPE_SLOTS] = std::array::from_fn(|_| TypeIndex::default());
        for binding in bindings {
            if !seen.insert(binding.clone()) {
                continue;
            }
            by_type[type_slot(binding.pattern.resource_type)].add(&binding);
            list.push(binding);
        }
        let super_users = super_users
            .into_iter()
            .filter_map(|user| {
                let user = user.trim();
                if user.is_empty() {
                    None
                } else if user.contains(':') {
                    Some(user.to_string())
                } else {
                    Some(format!("User:{user}"))
                }
            })
            .collect();
        Authorizer {
            bindings: list,
            by_type,
            super_users,
        }
    }

    /// Whether the requester is a super user (exact principal match, as Kafka: `User:*` in the
    /// super-user list is a user named `*`, not a wildcard).
    #[inline]
    pub fn is_super_user(&self, who: &Requester<'_>) -> bool {
        !self.super_users.is_empty() && self.super_users.contains(who.principal)
    }

    /// Kafka's `StandardAuthorizer.authorize` for one action on the resource `name` (taken
    /// literally) of `resource_type`: super users allowed; any matching DENY denies; else any
    /// matching ALLOW allows; else denied. Allocates nothing.
    pub fn authorize(
        &self,
        who: &Requester<'_>,
        op: Operation,
        resource_type: ResourceType,
        name: &str,
    ) -> bool {
        if self.is_super_user(who) {
            return true;
        }
        self.authorize_by_acls(who, op, resource_type, name)
    }

    fn authorize_by_acls(
        &self,
        who: &Requester<'_>,
        op: Operation,
        resource_type: ResourceType,
        name: &str,
    ) -> bool {
        let index = &self.by_type[type_slot(resource_type)];
        if index.count == 0 {
            return false;
        }
        let mut allowed = false;
        if let Some(aces) = index.literal.get(name) {
            if scan(aces, who, op, &mut allowed) {
                return false;
            }
        }
        for &len in &index.prefix_lens {
            if len > name.len() {
                break;
            }
            if !name.is_char_boundary(len) {
                continue;
            }
            if let Some(aces) = index.prefixed.get(&name[..len]) {
                if scan(aces, who, op, &mut allowed) {
                    return false;
                }
            }
        }
        if scan(&index.wildcard, who, op, &mut allowed) {
            return false;
        }
        allowed
    }

    /// Kafka's `authorizeByResourceType` (KIP-679): may the requester do `op` on at least one
    /// resource of `resource_type`? Used for InitProducerId without a transactional id ("WRITE
    /// on any topic"). Kafka's algorithm, step by step:
    /// 1. `authorize` on the made-up name `hardcode`: allowed there (super user, or a binding
    ///    matching that name, with the usual implications) means allowed.
    /// 2. Over the type's bindings for this principal (or `User:*`) and host (or `*`) whose
    ///    operation is `op` or ALL (no implications here): a LITERAL `*` DENY denies; else a
    ///    LITERAL `*` ALLOW allows; else an ALLOW is enough unless shadowed: a LITERAL ALLOW by
    ///    a LITERAL DENY of the same name or a PREFIXED DENY that prefixes it, a PREFIXED ALLOW
    ///    by a PREFIXED DENY that prefixes it (a LITERAL DENY never shadows a PREFIXED ALLOW).
    ///
    /// `resource_type` ANY or `op` ANY (Kafka throws) gives `false`.
    pub fn authorize_any(
        &self,
        who: &Requester<'_>,
        op: Operation,
        resource_type: ResourceType,
    ) -> bool {
        if resource_type == ResourceType::Any || op == Operation::Any {
            return false;
        }
        if self.authorize(who, op, resource_type, HARDCODED_NAME) {
            return true;
        }
        if self.by_type[type_slot(resource_type)].count == 0 {
            return false;
        }
        let mut deny_literal: HashSet<&str> = HashSet::new();
        let mut deny_prefixed: HashSet<&str> = HashSet::new();
        let mut allows: Vec<(bool, &str)> = Vec::new();
        let mut wildcard_allow = false;
        for binding in &self.bindings {
            if binding.pattern.resource_type != resource_type {
                continue;
            }
            if binding.host != who.host && binding.host != WILDCARD {
                continue;
            }
            if binding.principal != who.principal && binding.principal != WILDCARD_PRINCIPAL {
                continue;
            }
            if binding.operation != op && binding.operation != Operation::All {
                continue;
            }
            let name = binding.pattern.name.as_str();
            let literal = match binding.pattern.pattern_type {
                PatternType::Literal => true,
                PatternType::Prefixed => false,
                PatternType::Any | PatternType::Match => continue,
            };
            match binding.permission {
                Permission::Deny if literal && name == WILDCARD => return false,
                Permission::Deny if literal => {
                    deny_literal.insert(name);
                }
                Permission::Deny => {
                    deny_prefixed.insert(name);
                }
                Permission::Allow if literal && name == WILDCARD => wildcard_allow = true,
                Permission::Allow => allows.push((literal, name)),
                Permission::Any => {}
            }
        }
        if wildcard_allow {
            return true;
        }
        allows.iter().any(|&(literal, name)| {
            if literal && deny_literal.contains(name) {
                return false;
            }
            // Kafka tries every non-empty prefix of the allowed name against the PREFIXED denies.
            !name
                .char_indices()
                .map(|(at, ch)| &name[..at + ch.len_utf8()])
                .any(|prefix| deny_prefixed.contains(prefix))
        })
    }

    /// Every binding, once each, in the order first given.
    pub fn bindings(&self) -> impl Iterator<Item = &AclBinding> {
        self.bindings.iter()
    }

    /// The bindings a DescribeAcls / DeleteAcls filter selects, in the order first given.
    pub fn matching<'a>(&'a self, filter: &'a AclFilter) -> impl Iterator<Item = &'a AclBinding> {
        self.bindings.iter().filter(move |b| filter.matches(b))
    }

    /// How many bindings there are.
    pub fn len(&self) -> usize {
        self.bindings.len()
    }

    /// Whether there are no bindings (every non-super user is then denied everything).
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// The super users, as `Type:name`, in no particular order.
    pub fn super_users(&self) -> impl Iterator<Item = &str> {
        self.super_users.iter().map(String::as_str)
    }
}

/// A DescribeAcls / DeleteAcls filter as on the wire (Kafka's `AclBindingFilter`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AclFilter {
    /// A type, or ANY for every type.
    pub resource_type: ResourceType,
    /// A name, or `None` for any name.
    pub name: Option<String>,
    /// LITERAL or PREFIXED: that pattern type and the exact name; ANY: any pattern type, the
    /// exact name; MATCH: every binding that applies to the (literal) name: the LITERAL one of
    /// that name, the LITERAL `*` one, and PREFIXED ones that prefix it.
    pub pattern_type: PatternType,
    /// A principal (compared as text: `User:*` selects only `User:*` bindings), or any.
    pub principal: Option<String>,
    /// A host (compared as text), or any.
    pub host: Option<String>,
    /// An operation (ALL selects only ALL bindings), or ANY.
    pub operation: Operation,
    /// ALLOW, DENY, or ANY.
    pub permission: Permission,
}

impl AclFilter {
    /// The filter that selects every binding (Kafka's `AclBindingFilter.ANY`).
    pub fn any() -> AclFilter {
        AclFilter {
            resource_type: ResourceType::Any,
            name: None,
            pattern_type: PatternType::Any,
            principal: None,
            host: None,
            operation: Operation::Any,
            permission: Permission::Any,
        }
    }

    /// The filter that selects exactly this binding (Kafka's `AclBinding.toFilter`).
    pub fn exact(binding: &AclBinding) -> AclFilter {
        AclFilter {
            resource_type: binding.pattern.resource_type,
            name: Some(binding.pattern.name.clone()),
            pattern_type: binding.pattern.pattern_type,
            principal: Some(binding.principal.clone()),
            host: Some(binding.host.clone()),
            operation: binding.operation,
            permission: binding.permission,
        }
    }

    /// Builds a filter from the wire codes. `None` when a code is one Kafka reads as UNKNOWN
    /// (0, or a code it does not know): Kafka refuses such a request while parsing it, with
    /// [`DESCRIBE_ACLS_UNKNOWN_ELEMENTS`] or [`DELETE_ACLS_UNKNOWN_ELEMENTS`].
    pub fn from_codes(
        resource_type: i8,
        name: Option<String>,
        pattern_type: i8,
        principal: Option<String>,
        host: Option<String>,
        operation: i8,
        permission: i8,
    ) -> Option<AclFilter> {
        Some(AclFilter {
            resource_type: ResourceType::from_code(resource_type)?,
            name,
            pattern_type: PatternType::from_code(pattern_type)?,
            principal,
            host,
            operation: Operation::from_code(operation)?,
            permission: Permission::from_code(permission)?,
        })
    }

    /// Whether the filter selects the binding (Kafka's `AclBindingFilter.matches`).
    pub fn matches(&self, binding: &AclBinding) -> bool {
        self.matches_pattern(&binding.pattern) && self.matches_entry(binding)
    }

    /// Kafka's `ResourcePatternFilter.matches`.
    fn matches_pattern(&self, pattern: &ResourcePattern) -> bool {
        if self.resource_type != ResourceType::Any && self.resource_type != pattern.resource_type {
            return false;
        }
        let any_or_match = matches!(self.pattern_type, PatternType::Any | PatternType::Match);
        if !any_or_match && self.pattern_type != pattern.pattern_type {
            return false;
        }
        let Some(name) = &self.name else {
            return true;
        };
        if self.pattern_type == PatternType::Any || self.pattern_type == pattern.pattern_type {
            return *name == pattern.name;
        }
        // MATCH: the bindings that would apply to `name`.
        match pattern.pattern_type {
            PatternType::Literal => *name == pattern.name || pattern.name == WILDCARD,
            PatternType::Prefixed => name.starts_with(pattern.name.as_str()),
            PatternType::Any | PatternType::Match => false,
        }
    }

    /// Kafka's `AccessControlEntryFilter.matches`.
    fn matches_entry(&self, binding: &AclBinding) -> bool {
        self.principal
            .as_ref()
            .is_none_or(|p| *p == binding.principal)
            && self.host.as_ref().is_none_or(|h| *h == binding.host)
            && (self.operation == Operation::Any || self.operation == binding.operation)
            && (self.permission == Permission::Any || self.permission == binding.permission)
    }

    /// Kafka's `AclBindingFilter.findIndefiniteField`: the first field that lets the filter
    /// select more than one binding, as Kafka words it, or `None` when it selects at most one.
    /// (As in Kafka, a pattern type of ANY is not reported.)
    pub fn find_indefinite_field(&self) -> Option<&'static str> {
        if self.resource_type == ResourceType::Any {
            Some("Resource type is ANY.")
        } else if self.name.is_none() {
            Some("Resource name is NULL.")
        } else if self.pattern_type == PatternType::Match {
            Some("Resource pattern type is MATCH.")
        } else if self.principal.is_none() {
            Some("Principal is NULL")
        } else if self.host.is_none() {
            Some("Host is NULL")
        } else if self.operation == Operation::Any {
            Some("Operation is ANY")
        } else if self.permission == Permission::Any {
            Some("Permission type is ANY")
        } else {
            None
        }
    }

    /// Why Kafka would refuse this filter in a DescribeAcls / DeleteAcls request, or `None`.
    ///
    /// Kafka (request classes, `AclControlManager.validateFilter`) refuses a filter only for an
    /// UNKNOWN resource type, pattern type, operation or permission, which this type cannot
    /// hold: [`AclFilter::from_codes`] answers that while decoding. Every other filter is
    /// valid, including MATCH without a name (it selects every binding), all-ANY (DeleteAcls
    /// then deletes everything), and name `*` with MATCH. (Version 0 carries no pattern type;
    /// Kafka reads it as LITERAL, so a v0 decoder sets LITERAL.) So this is always `None`.
    pub fn invalid_reason(&self) -> Option<String> {
        None
    }
}

/// The client address as Kafka writes it (Java's `InetAddress.getHostAddress`), the text
/// binding hosts are compared with: IPv4 dotted; an IPv4-mapped IPv6 address as its IPv4
/// address (Java hands those out as IPv4); other IPv6 as eight lower-case hex groups without
/// leading zeros and without `::` shortening (`0:0:0:0:0:0:0:1`, not `::1`). Zone ids are left
/// out.
pub fn kafka_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4.to_string();
            }
            let mut out = String::with_capacity(39);
            for (i, segment) in v6.segments().iter().enumerate() {
                if i > 0 {
                    out.push(':');
                }
                let _ = write!(out, "{segment:x}");
            }
            out
        }
    }
}

#[cfg(test)]
#[path = "authorizer_tests.rs"]
mod tests;
