//! Start-up and shutdown: learn the cluster, bind the ports, run the workers, wait for a signal.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::admin::{self, AdminApi, AdminState};
use crate::auth::gateway_auth::{GatewayAuthenticator, OAuthCheck};
use crate::auth::jwks_cache::JwksCache;
use crate::auth::local_tokens::{LocalTokens, StateExternalNames};
use crate::auth::oauth::OAuthVerifier;
use crate::auth::principal_mapping::PrincipalMapper;
use crate::config::{spec, Config, RoutingMechanism, SecurityMode};
use crate::interceptors::runtime::Interceptors;
use crate::metrics::Metrics;
use crate::net::{acceptor, worker};
use crate::proxy::listener::ListenerKind;
use crate::proxy::sasl_server::Authenticator;
use crate::proxy::settings::Settings;
use crate::proxy::shared::SaslServer;
use crate::proxy::shared::ServerTlsState;
use crate::proxy::shared::Shared;
use crate::routing::address_book::{AddressBook, BrokerAddress};
use crate::routing::api_versions::advertised;
use crate::routing::host_map::HostMap;
use crate::routing::port_map::PortMap;
use crate::signals;
use crate::tls::reload::CurrentServerConfig;
use crate::upstream::control::{self, ClusterAccess, ClusterView};
use crate::upstream::sasl_client::BackendCredentials;
use crate::vcluster::runtime::Tenancy;

/// Run the gateway until SIGTERM or SIGINT. Errors are start-up failures, worded for the user.
pub fn run(config: Config) -> Result<(), String> {
    signals::install().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let metrics = Arc::new(Metrics::default());
    let admin_state = Arc::new(AdminState::new(Arc::clone(&metrics)));
    let bind_host = config.bind_host.to_string();
    // Service accounts and the token key; the data path reads them through
    // `admin_api.state()` (immutable snapshots) and `admin_api.key()`.
    let admin_api = Arc::new(AdminApi::from_config(&config)?);
    let admin = admin::spawn(
        &bind_host,
        config.http_port,
        Arc::clone(&admin_state),
        Arc::clone(&admin_api),
    )
    .map_err(|e| {
        format!(
            "cannot serve the admin API on {}:{} (GATEWAY_HTTP_PORT): {e}",
            bind_host, config.http_port
        )
    })?;
    log::info!("admin API on http://{}:{}", bind_host, config.http_port);

    let bootstrap: Vec<BrokerAddress> = config
        .backend
        .bootstrap_servers
        .iter()
        .map(|(host, port)| BrokerAddress {
            host: host.clone(),
            port: *port,
        })
        .collect();
    let connect_timeout = config.upstream_connect_timeout;
    let backend_tls = config
        .backend
        .tls
        .as_ref()
        .map(crate::tls::client::build)
        .transpose()?;
    let server_tls = match &config.server_tls {
        Some(tls) => Some(ServerTlsState {
            current: Arc::new(CurrentServerConfig::new(crate::tls::server::build(tls)?)),
            mapper: PrincipalMapper::parse(&tls.principal_mapping_rules)
                .map_err(|e| format!("{}: {e}", spec::SSL_PRINCIPAL_MAPPING_RULES.name))?,
        }),
        None => None,
    };
    let backend_sasl = config
        .backend
        .sasl
        .as_ref()
        .map(BackendCredentials::from_config)
        .transpose()?
        .map(Arc::new);
    let stop_background = Arc::new(AtomicBool::new(false));
    let mut background = Vec::new();
    if let (Some(creds), Some(sasl)) = (&backend_sasl, &config.backend.sasl) {
        if let Some(handle) = crate::upstream::oauth_token::start(
            sasl,
            creds,
            backend_tls.clone(),
            Arc::clone(&stop_background),
        )? {
            background.push(handle);
        }
    }
    let (sasl, jwks_refresher) = sasl_server(&config, &admin_api, Arc::clone(&stop_background))?;
    background.extend(jwks_refresher);
    let local_sasl = sasl
        .as_ref()
        .is_some_and(|s| s.mode == SecurityMode::GatewayManaged);
    let access = ClusterAccess {
        bootstrap: bootstrap.clone(),
        timeout: connect_timeout,
        tls: backend_tls.clone(),
        sasl: backend_sasl.clone(),
    };
    let Some(view) = first_cluster_view(&access) else {
        admin.stop();
        return Ok(());
    };
    let port_map = port_map(&config, &view);
    let settings = Settings {
        max_frame_bytes: config.max_frame_bytes,
        idle_timeout: config.idle_timeout,
        connect_timeout,
        shutdown_timeout: config.shutdown_timeout,
        max_connections: config.max_connections,
    };
    let shared = Arc::new(Shared {
        settings,
        port_map: port_map.clone(),
        book: AddressBook::new(bootstrap.clone()),
        api_versions: RwLock::new(Arc::new(advertised(&view.api_versions, local_sasl))),
        metrics: Arc::clone(&metrics),
        open_connections: AtomicUsize::new(0),
        shutting_down: AtomicBool::new(false),
        server_tls,
        backend_tls: backend_tls.clone(),
        sasl,
        backend_sasl: backend_sasl.clone(),
        tenancy: tenancy(&config, &admin_api),
        interceptors: Some(Arc::new(Interceptors::new(
            admin_api.state(),
            Arc::clone(&metrics),
        ))),
        host_map: config.routing.sni_port.map(|port| HostMap {
            advertised_host: config.advertised_host.clone(),
            prefix: config.routing.host_prefix.clone(),
            separator: config.routing.host_separator.clone(),
            port,
        }),
    });
    shared.book.update(view.brokers);
    admin_state.set_ready();

    let listeners = bind_listeners(&bind_host, &config, &port_map)?;
    let mut links = Vec::new();
    let mut worker_threads = Vec::new();
    for i in 0..config.worker_threads.max(1) {
        let (link, handle) = worker::spawn(i, Arc::clone(&shared))
            .map_err(|e| format!("cannot start worker {i}: {e}"))?;
        links.push(link);
        worker_threads.push(handle);
    }
    let acceptor = acceptor::spawn(listeners, links, Arc::clone(&shared))
        .map_err(|e| format!("cannot start the acceptor: {e}"))?;
    log::info!(
        "kgate serving brokers {}..={} on {}:{}-{} (advertised as {}), {} workers",
        port_map.min_broker_id,
        port_map.min_broker_id + i32::from(port_map.port_count) - 1,
        bind_host,
        port_map.port_start,
        port_map
            .port_start
            .saturating_add(port_map.port_count.saturating_sub(1)),
        port_map.advertised_host,
        config.worker_threads.max(1)
    );

    let stop_refresh = Arc::new(AtomicBool::new(false));
    let refresher = {
        let shared = Arc::clone(&shared);
        let admin_ok = Arc::clone(&admin_state);
        let admin_err = Arc::clone(&admin_state);
        let shared_err = Arc::clone(&shared);
        control::spawn_refresher(
            access,
            config.metadata_refresh,
            Arc::clone(&stop_refresh),
            move |view: ClusterView| {
                if shared.book.update(view.brokers) {
                    log::info!(
                        "broker list changed: {:?}",
                        shared.book.snapshot().by_id.keys().collect::<Vec<_>>()
                    );
                }
                shared.set_api_versions(advertised(&view.api_versions, local_sasl));
                admin_ok.set_ready();
            },
            move |e| {
                shared_err.metrics.upstream_error();
                admin_err.set_not_ready(format!("cluster metadata refresh failed: {e}"));
                log::warn!("cluster metadata refresh failed: {e}");
            },
        )
        .map_err(|e| format!("cannot start the control plane: {e}"))?
    };

    let reloader = match (&config.server_tls, &shared.server_tls) {
        (Some(tls), Some(state)) => Some(
            crate::tls::reload::spawn_watcher(
                tls.clone(),
                Arc::clone(&state.current),
                Arc::clone(&stop_refresh),
            )
            .map_err(|e| format!("cannot start the TLS file watcher: {e}"))?,
        ),
        _ => None,
    };

    while !signals::received() {
        std::thread::sleep(Duration::from_millis(100));
    }
    log::info!(
        "shutting down: no new connections, waiting up to {:?} for in-flight requests",
        config.shutdown_timeout
    );
    shared.shutting_down.store(true, Ordering::Release);
    let _ = acceptor.join();
    for handle in worker_threads {
        let _ = handle.join();
    }
    stop_refresh.store(true, Ordering::Release);
    let _ = refresher.join();
    if let Some(reloader) = reloader {
        let _ = reloader.join();
    }
    stop_background.store(true, Ordering::Release);
    for handle in background {
        let _ = handle.join();
    }
    admin.stop();
    log::info!("kgate stopped");
    Ok(())
}

/// Ask the cluster about itself until it answers, backing off up to 5 s between tries. Returns
/// `None` when a shutdown signal arrives first.
fn first_cluster_view(access: &ClusterAccess) -> Option<ClusterView> {
    let mut backoff = Duration::from_millis(200);
    loop {
        match control::describe_cluster(access) {
            Ok(view) => {
                log::info!(
                    "cluster answered: brokers {:?}",
                    view.brokers.by_id.keys().collect::<Vec<_>>()
                );
                return Some(view);
            }
            Err(e) => {
                log::warn!("cluster not reachable yet (KAFKA_BOOTSTRAP_SERVERS): {e}; retrying")
            }
        }
        let until = std::time::Instant::now() + backoff;
        while std::time::Instant::now() < until {
            if signals::received() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Client SASL as configured: kgate's own checks (GATEWAY_MANAGED) or relaying (KAFKA_MANAGED),
/// and the JWKS refresher when OAuth is configured.
fn sasl_server(
    config: &Config,
    admin_api: &AdminApi,
    stop: Arc<AtomicBool>,
) -> Result<(Option<SaslServer>, Option<std::thread::JoinHandle<()>>), String> {
    let Some(client_sasl) = &config.client_sasl else {
        return Ok((None, None));
    };
    let mut refresher = None;
    let oauth = match &client_sasl.oauth {
        Some(settings) => {
            let jwks = Arc::new(JwksCache::new(settings.jwks_url.clone()));
            if let Err(e) = jwks.refresh() {
                log::warn!(
                    "JWKS not loaded yet (GATEWAY_OAUTH_JWKS_URL), retrying in the background: {e}"
                );
            }
            refresher = Some(
                jwks.spawn_refresher(settings.jwks_refresh, stop)
                    .map_err(|e| format!("cannot start the JWKS refresher: {e}"))?,
            );
            Some(OAuthCheck {
                verifier: OAuthVerifier {
                    expected_issuer: settings.expected_issuer.clone(),
                    expected_audiences: settings.expected_audiences.clone(),
                    ..OAuthVerifier::default()
                },
                jwks,
            })
        }
        None => None,
    };
    let state = admin_api.state();
    let plain: Arc<dyn Authenticator> = Arc::new(LocalTokens {
        key: admin_api.key().clone(),
        state: Arc::clone(&state),
    });
    let authenticator = GatewayAuthenticator {
        oauth,
        plain: Some(plain),
        external_names: Some(Arc::new(StateExternalNames(state))),
    };
    if client_sasl.mode == SecurityMode::GatewayManaged && authenticator.mechanisms().is_empty() {
        return Err(format!(
            "GATEWAY_SECURITY_PROTOCOL is {:?} but no SASL mechanism is available",
            config.security_protocol
        ));
    }
    let server = SaslServer {
        mode: client_sasl.mode,
        authenticator: Arc::new(authenticator),
        failed_auth_delay: client_sasl.failed_auth_delay,
        max_reauth: client_sasl.max_reauth,
    };
    Ok((Some(server), refresher))
}

/// The listeners for the routing shape: one per broker port (port routing), the SNI port
/// (host routing), or both.
fn bind_listeners(
    bind_host: &str,
    config: &Config,
    port_map: &PortMap,
) -> Result<Vec<acceptor::Listener>, String> {
    let mut listeners = Vec::new();
    if config.routing.mechanism == RoutingMechanism::Port {
        for port in port_map.ports() {
            let kind = ListenerKind::Port {
                broker_id: port_map.broker_for(port),
            };
            listeners.push(acceptor::bind(bind_host, port, kind).map_err(|e| e.to_string())?);
        }
    }
    if let Some(port) = config.routing.sni_port {
        let listener = acceptor::bind(bind_host, port, ListenerKind::Sni)
            .map_err(|e| format!("{e} (GATEWAY_SNI_PORT)"))?;
        log::info!(
            "host routing on {bind_host}:{port}: bootstrap {}, brokers {}<id>{}{}",
            config.advertised_host,
            config.routing.host_prefix,
            config.routing.host_separator,
            config.advertised_host
        );
        listeners.push(listener);
    }
    Ok(listeners)
}

/// The port map from the configuration, with unset values taken from the cluster.
fn port_map(config: &Config, view: &ClusterView) -> PortMap {
    let ids: Vec<i32> = view.brokers.by_id.keys().copied().collect();
    let lowest = ids.first().copied().unwrap_or(0);
    let highest = ids.last().copied().unwrap_or(lowest);
    let min_broker_id = config.min_broker_id.unwrap_or(lowest);
    let port_count = config
        .port_count
        .unwrap_or_else(|| PortMap::default_port_count(min_broker_id, highest.max(min_broker_id)));
    let map = PortMap {
        advertised_host: config.advertised_host.clone(),
        port_start: config.port_start,
        min_broker_id,
        port_count,
    };
    for id in ids {
        if map.port_for(id).is_none() {
            log::error!(
                "broker {id} is outside the gateway's port range (GATEWAY_MIN_BROKERID={min_broker_id}, \
                 GATEWAY_PORT_COUNT={port_count}): clients cannot reach it; change those variables"
            );
        }
    }
    map
}

/// Virtual clusters, aliases and ACLs for the data path; none with KAFKA_MANAGED security,
/// where the cluster authenticates and authorizes clients itself.
fn tenancy(config: &Config, admin_api: &AdminApi) -> Option<Arc<Tenancy>> {
    let kafka_managed = config
        .client_sasl
        .as_ref()
        .is_some_and(|s| s.mode == SecurityMode::KafkaManaged);
    if kafka_managed {
        return None;
    }
    // The admin API users are who manages passthrough ACLs with Kafka's Admin API
    // (reference 002: "any service account declared in GATEWAY_ADMIN_API_USERS").
    let acl_admins = config
        .admin
        .users
        .iter()
        .flatten()
        .map(|u| format!("User:{}", u.username))
        .collect();
    Some(Arc::new(Tenancy::new(
        config.tenancy.clone(),
        admin_api.state(),
        Some(admin_api.state_store()),
        acl_admins,
    )))
}
