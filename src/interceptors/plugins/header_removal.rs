//! `safeguard.MessageHeaderRemovalPlugin`: consumers of the matching topics do not see the
//! record headers whose key matches `headerKeyRegex` (internal tracing, producer identities).
//! The Fetch answer's batches are opened and sealed again with their codec; offsets and the
//! rest of each batch are the broker's.

use std::sync::Arc;

use serde_json::Value;

use super::record_lists::change_fetched_records;
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, ResponseCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.MessageHeaderRemovalPlugin",
    title: "Message header removal",
    description: "Removes the record headers whose key matches a pattern from what consumers \
                  of the matching topics fetch.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["topic", "headerKeyRegex"];
const FETCH: i16 = 1;

#[derive(Debug)]
struct Removal {
    topic: Pattern,
    keys: Pattern,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let topic = s.pattern("topic")?.unwrap_or_else(Pattern::any);
    let field = s.field("headerKeyRegex");
    let keys = s
        .pattern("headerKeyRegex")?
        .ok_or_else(|| format!("{field}: missing"))?;
    Ok(Arc::new(Removal { topic, keys }))
}

impl Plugin for Removal {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(RemovalFilter {
            topic: self.topic.clone(),
            keys: self.keys.clone(),
            env,
        })
    }
}

#[derive(Debug)]
struct RemovalFilter {
    topic: Pattern,
    keys: Pattern,
    env: Env,
}

impl Filter for RemovalFilter {
    fn name(&self) -> &'static str {
        "MessageHeaderRemovalPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if api_key == FETCH {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn wants_answer(&self, api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        api_key == FETCH
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        let keys = &self.keys;
        let result = change_fetched_records(ctx, &self.topic, &mut |record| {
            let before = record.headers.len();
            record.headers.retain(|h| !keys.matches(&h.key));
            Ok(record.headers.len() != before)
        });
        match result {
            Ok(None) => Verdict::Pass,
            Ok(Some(body)) => Verdict::Answer(body),
            // The records cannot be shown without the check: the consumer gets an error, not
            // the headers the plugin is there to hide.
            Err(e) => Verdict::Close(format!(
                "interceptor {}: {e}",
                self.env.decisions.interceptor()
            )),
        }
    }
}
