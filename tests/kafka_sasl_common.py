"""Shared pieces of the SASL tests against Apache Kafka (tests/test_kafka_*.py).

- An identity provider: tests/sasl_helpers.OAuthServer with one RSA key, whose token endpoint
  mints tokens the way Kafka's OAuthBearerValidatorCallbackHandler expects them: `sub` is the
  principal (Kafka's default sasl.oauthbearer.sub.claim.name), `scope` the granted scope
  (sasl.oauthbearer.scope.claim.name), `aud` and `iss` what the cluster is told to expect.
  Clients whose id starts with "wrong-aud" get a token for another audience.
- JAAS strings for KAFKA_SASL_JAAS_CONFIG.
- confluent-kafka settings for a client that authenticates (to kgate or to Kafka).
"""
import time

import sasl_helpers as sh

ISSUER = "https://idp.kgate.test/"
AUDIENCE = "kafka"

# Kafka 4.1.1's OAuthBearerValidatorCallbackHandler builds its validator from
# sasl.oauthbearer.jwt.validator.class, whose default DefaultJwtValidator (created without a key
# resolver) falls back to ClientJwtValidator: no signature, issuer or audience check, any
# well-formed JWT is accepted. BrokerJwtValidator builds its own JWKS resolver and checks all
# three. Every OAUTHBEARER cluster here needs it (test_broker_refuses_foreign_tokens guards it).
VALIDATE_TOKENS = {"sasl.oauthbearer.jwt.validator.class":
                   "org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator"}


def plain_jaas(user, password):
    return f'org.apache.kafka.common.security.plain.PlainLoginModule required username="{user}" password="{password}";'


def scram_jaas(user, password):
    return f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{user}" password="{password}";'


def oauth_jaas(client_id, secret, scope="kafka.produce kafka.consume"):
    return ('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required '
            f'clientId="{client_id}" clientSecret="{secret}" scope="{scope}";')


def jaas(mechanism, user, password):
    return plain_jaas(user, password) if mechanism == "PLAIN" else scram_jaas(user, password)


def upstream_sasl_env(mechanism, user=None, password=None, token_url=None, client=None):
    """kgate's own SASL towards Kafka (the KAFKA_* settings): a username and password, or for
    OAUTHBEARER a client-credentials client (id, secret) at token_url."""
    env = {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": mechanism}
    if mechanism == "OAUTHBEARER":
        env["KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL"] = token_url
        env["KAFKA_SASL_JAAS_CONFIG"] = oauth_jaas(*client)
    else:
        env["KAFKA_SASL_JAAS_CONFIG"] = jaas(mechanism, user, password)
    return env


class IdP:
    """The JWKS and token endpoint, plus tokens minted directly for clients (oauth_cb)."""

    def __init__(self, clients=None, lifetime=3600):
        self.key = sh.RsaKey()
        self.lifetime = lifetime
        self.server = sh.OAuthServer(keys=[self.key], clients=dict(clients or {}), mint=self._mint)

    def _mint(self, client_id, scope):
        audience = "some-other-service" if client_id.startswith("wrong-aud") else AUDIENCE
        return self.token(client_id, audience=audience, scope=scope)

    def token(self, sub, audience=AUDIENCE, scope="kafka", lifetime=None, key=None):
        claims = sh.oauth_claims(sub, ISSUER, audience, lifetime=lifetime or self.lifetime)
        if scope is not None:
            claims["scope"] = scope
        return sh.jwt(claims, key=key or self.key)

    @property
    def jwks_url(self):
        return self.server.jwks_url

    @property
    def token_url(self):
        return self.server.token_url

    def close(self):
        self.server.close()


def ck_sasl(mechanism, user=None, password=None, token=None):
    """confluent-kafka settings: SASL_PLAINTEXT with `mechanism`; OAUTHBEARER sends `token`."""
    conf = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": mechanism}
    if mechanism == "OAUTHBEARER":
        claims = sh.jwt_claims(token)
        conf["oauth_cb"] = lambda _cfg: (token, float(claims["exp"]), claims["sub"])
    else:
        conf.update({"sasl.username": user, "sasl.password": password})
    return conf


def kp_sasl(mechanism, user=None, password=None, token=None):
    """kafka-python settings for the same."""
    conf = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": mechanism}
    if mechanism == "OAUTHBEARER":
        from kafka.net.sasl.oauth import AbstractTokenProvider

        class Provider(AbstractTokenProvider):
            def token(self):
                return token

        conf["sasl_oauth_token_provider"] = Provider()
    else:
        conf.update({"sasl_plain_username": user, "sasl_plain_password": password})
    return conf


def kp_produce_consume(bootstrap, topic, n, conf, group=None):
    """kafka-python: produce n indexed records to partition 0, read them back (with `group`
    subscribing, else by assignment); returns [(partition, offset, key, value)]."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    prod = KafkaProducer(bootstrap_servers=bootstrap, **conf)
    futs = [prod.send(topic, key=str(i).encode(), value=f"v{i}".ljust(16, ".").encode(), partition=0)
            for i in range(n)]
    prod.flush(30)
    for f in futs:
        f.get(timeout=30)
    prod.close()
    kw = dict(bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, **conf)
    if group:
        cons = KafkaConsumer(topic, group_id=group, **kw)
    else:
        cons = KafkaConsumer(**kw)
        cons.assign([TopicPartition(topic, 0)])
    got, deadline = [], time.time() + 60
    try:
        while len(got) < n and time.time() < deadline:
            for _tp, msgs in cons.poll(timeout_ms=1000).items():
                got += [(m.partition, m.offset, m.key, m.value) for m in msgs]
        if group:
            cons.commit()
    finally:
        cons.close()
    return got


def try_metadata(bootstrap, conf, timeout=8.0):
    """(metadata or None, librdkafka errors): the cluster's metadata as soon as it answers, or
    None as soon as librdkafka reports an authentication error (or when `timeout` has passed)."""
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import AdminClient

    errors = []
    admin = AdminClient(dict(conf, **{"bootstrap.servers": bootstrap, "error_cb": errors.append}))
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return admin.list_topics(timeout=0.5), errors
        except Exception as e:  # KafkaException: no answer yet
            last = e.args[0] if e.args else e
        admin.poll(0)
        if any(isinstance(e, KafkaError) and e.code() == KafkaError._AUTHENTICATION for e in errors):
            return None, errors
    errors.append(last)
    return None, errors
