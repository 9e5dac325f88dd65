//! `DynamicHeaderInjectionPlugin`: headers added to every record produced to the matching
//! topics, their values from templates (`{{user}}`, `{{userIp}}`, `{{vcluster}}`, ...), so
//! consumers can see who produced a record and from where. An existing header of the same key
//! is kept unless `overrideIfExists`. The batches are opened and sealed again with the
//! producer's codec; sequence numbers and the rest of each batch stay the producer's.

use std::sync::Arc;

use codec::records::RecordHeader;
use serde_json::Value;

use super::common::{decode_request, encode_request, failed};
use super::record_lists::change_records;
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::interceptors::template::{RequestInfo, Template};
use crate::pipeline::filter::{Filter, RequestCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "DynamicHeaderInjectionPlugin",
    title: "Dynamic header injection",
    description: "Adds headers with templated values (user, client address, ...) to every \
                  record produced to the matching topics.",
    parent: "transform",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["topic", "headers", "overrideIfExists"];
const PRODUCE: i16 = 0;

#[derive(Debug)]
struct Injection {
    topic: Pattern,
    headers: Vec<(String, Template)>,
    override_existing: bool,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let topic = s.pattern("topic")?.unwrap_or_else(Pattern::any);
    let field = s.field("headers");
    let headers = s
        .string_map("headers")?
        .ok_or_else(|| format!("{field}: missing"))?
        .into_iter()
        .map(|(k, v)| Ok((k.clone(), Template::parse(&format!("{field}.{k}"), &v)?)))
        .collect::<Result<Vec<_>, String>>()?;
    if headers.is_empty() {
        return Err(format!("{field}: names no header"));
    }
    Ok(Arc::new(Injection {
        topic,
        headers,
        override_existing: s.bool("overrideIfExists")?.unwrap_or(false),
    }))
}

impl Plugin for Injection {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(InjectionFilter {
            topic: self.topic.clone(),
            headers: self.headers.clone(),
            override_existing: self.override_existing,
            env,
        })
    }
}

#[derive(Debug)]
struct InjectionFilter {
    topic: Pattern,
    headers: Vec<(String, Template)>,
    override_existing: bool,
    env: Env,
}

impl Filter for InjectionFilter {
    fn name(&self) -> &'static str {
        "DynamicHeaderInjectionPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if api_key == PRODUCE {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let info = RequestInfo {
            api_key: ctx.api_key,
            api_version: ctx.api_version,
        };
        let values: Vec<(String, Vec<u8>)> = self
            .headers
            .iter()
            .map(|(k, t)| (k.clone(), t.expand(ctx.session, info).into_bytes()))
            .collect();
        let result = decode_request(ctx).and_then(|mut tree| {
            let changed = change_records(
                &mut tree.root,
                PRODUCE,
                &self.topic,
                ctx.topic_names,
                &mut |_, record| {
                    let mut changed = false;
                    for (key, value) in &values {
                        let present = record.headers.iter().any(|h| &h.key == key);
                        if present && !self.override_existing {
                            continue;
                        }
                        record.headers.retain(|h| &h.key != key);
                        record.headers.push(RecordHeader {
                            key: key.clone(),
                            value: Some(value.clone()),
                        });
                        changed = true;
                    }
                    changed
                },
            )?;
            Ok(changed.then_some(tree))
        });
        match result {
            Ok(None) => Verdict::Pass,
            Ok(Some(tree)) => match encode_request(ctx, &tree) {
                Ok(()) => Verdict::Pass,
                Err(e) => failed(ctx, &self.env.decisions, &e),
            },
            Err(e) => failed(ctx, &self.env.decisions, &e),
        }
    }
}
