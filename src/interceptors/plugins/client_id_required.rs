//! `safeguard.ClientIdRequiredPolicyPlugin`: every request's `client.id` must follow a naming
//! convention. BLOCK refuses the connection's requests with POLICY_VIOLATION; INFO logs;
//! OVERRIDE gives the request the client id of `clientIdTemplate` (`{{user}}-{{userIp}}`, ...).
//! The id judged is the one the connection's first request carried.

use std::sync::Arc;

use serde_json::Value;

use super::common;
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::interceptors::template::{RequestInfo, Template};
use crate::pipeline::filter::{Filter, RequestCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.ClientIdRequiredPolicyPlugin",
    title: "Client id required",
    description: "Requires a client.id that follows a naming convention; refuses, logs or \
                  rewrites the others.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["namingConvention", "action", "clientIdTemplate"];

#[derive(Debug)]
struct ClientIdRequired {
    convention: Pattern,
    action: Action,
    template: Option<Template>,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let convention = s.pattern("namingConvention")?.unwrap_or_else(Pattern::any);
    let action = s.action(
        &[Action::Block, Action::Info, Action::Override],
        Action::Block,
    )?;
    let field = s.field("clientIdTemplate");
    let template = s
        .string("clientIdTemplate")?
        .map(|t| Template::parse(&field, &t))
        .transpose()?;
    if action == Action::Override && template.is_none() {
        return Err(format!("{field}: required with action OVERRIDE"));
    }
    Ok(Arc::new(ClientIdRequired {
        convention,
        action,
        template,
    }))
}

impl Plugin for ClientIdRequired {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(ClientIdFilter {
            convention: self.convention.clone(),
            action: self.action,
            template: self.template.clone(),
            env,
            logged: false,
        })
    }
}

#[derive(Debug)]
struct ClientIdFilter {
    convention: Pattern,
    action: Action,
    template: Option<Template>,
    env: Env,
    /// INFO and OVERRIDE are logged once per connection, not per request.
    logged: bool,
}

impl Filter for ClientIdFilter {
    fn name(&self) -> &'static str {
        "ClientIdRequiredPolicyPlugin"
    }

    fn wants(&self, _api_key: i16, _api_version: i16) -> Want {
        Want::Message
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let client_id = ctx.session.client_id.as_deref().unwrap_or_default();
        if self.convention.matches(client_id) {
            return Verdict::Pass;
        }
        let violation = format!(
            "clientId '{client_id}' is invalid, naming convention must match with regular \
             expression '{}'",
            self.convention.as_str()
        );
        match self.action {
            Action::Block => {
                common::report(
                    ctx,
                    &self.env.decisions,
                    Action::Block,
                    None,
                    std::slice::from_ref(&violation),
                );
                common::block(ctx, &self.env.decisions, &[violation])
            }
            Action::Override => {
                let info = RequestInfo {
                    api_key: ctx.api_key,
                    api_version: ctx.api_version,
                };
                let new_id = self
                    .template
                    .as_ref()
                    .map(|t| t.expand(ctx.session, info))
                    .unwrap_or_default();
                if !self.logged {
                    self.logged = true;
                    let reason = format!("{violation}; the client id is now '{new_id}'");
                    self.env
                        .decisions
                        .record(ctx.session, Action::Override, None, &reason);
                }
                *ctx.new_client_id = Some(new_id);
                Verdict::Pass
            }
            _ => {
                if !self.logged {
                    self.logged = true;
                    common::report(ctx, &self.env.decisions, Action::Info, None, &[violation]);
                }
                Verdict::Pass
            }
        }
    }
}
