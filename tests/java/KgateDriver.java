// A small Apache Kafka Java client driver for kgate's end-to-end suite (tests/java_driver.py
// compiles it at test time against the classpath of scripts/kafka.sh and runs it).
//
//   java KgateDriver STEP [:: STEP ...]
//
// Several steps can run in one JVM, separated by a lone "::" (a JVM start costs seconds on the
// test machine). Every step prints JSON objects, one per line, on stdout, each with "event" and
// "step" (the step's index); logs go to stderr. The exit code is 0 when every step succeeded, 1 when
// one failed (after an {"event":"error"} line; later steps are not run), 2 on a usage error.
//
// Options common to every step:
//   --bootstrap HOST:PORT[,..]   bootstrap.servers (required)
//   --prop KEY=VALUE             any client property (repeatable): SASL, TLS, timeouts ...
//   --props-file FILE            client properties from a Java properties file (before --prop)
//
// produce   --topic T --count N [--start 0] [--partitions P] [--value-prefix v] [--pad 16]
//           [--compression none|gzip|snappy|lz4|zstd] [--acks all|1|0] [--idempotence true|false]
//           [--linger-ms 5] [--transactional-id ID --transactions K [--abort I[,J..]]]
//     Record i (start <= i < start+count): key "i", value prefix+i padded with '.' to pad bytes,
//     header "i"="i"; partition i % P with --partitions, else the default partitioner.
//     With a transactional id the records are split into K consecutive transactions; those whose
//     0-based index is listed in --abort are flushed (so their records are in the log) and aborted.
//     Events: {"event":"txn","index","from","to","outcome":"commit"|"abort"} per transaction, then
//     {"event":"produced","topic","count","acked","errors","error_sample","offsets":{"p":[first,last,n]}}
//
// consume   --topic T[,T2] --expect N [--group G] [--protocol classic|consumer]
//           [--isolation read_uncommitted|read_committed] [--timeout-ms 60000] [--linger-ms 500]
//           [--members 1] [--print-records true] [--until-end false]
//     Without --group: assign every partition and read from the beginning; with --until-end true it
//     stops once its position reached the end offsets taken at the start (the last stable offsets
//     with read_committed), whatever --expect says. With --group: subscribe
//     (auto.offset.reset=earliest), commitSync after every non-empty poll; --members M runs M
//     consumers of the group in threads. Stops when N records arrived (then polls --linger-ms more
//     to catch extra records) or at the timeout.
//     Events: {"event":"assignment","m","partitions":["t-0",..]} whenever a member's assignment
//     changed (seen after a poll), {"event":"rebalance","m","why":"assigned"|"revoked"|"lost",
//     "partitions"} from the rebalance listener,
//     {"event":"record","m","t","p","o","k","v","h":{..}} per record,
//     {"event":"consumed","count","timed_out","members":[{"m","count","assignment"}]}
//
// create-topics   --topic T[,T2] [--partitions 3] [--replication 1] [--config K=V ..]
// list-topics     -> {"event":"topics","topics":[..]}
// describe-topics --topic T[,T2] -> {"event":"topic","name","partitions":[{"partition","leader":
//                 {"id","host","port"},"replicas":[..],"isr":[..]}]} per topic
// describe-cluster -> {"event":"cluster","cluster_id","controller":{..},"nodes":[{"id","host","port"}]}
// describe-groups --group G[,G2] -> {"event":"group","group","state","type","protocol",
//                 "coordinator":{..},"members":[{"client_id","host","assignment":[..]}]}
// group-offsets   --group G -> {"event":"group_offsets","group","offsets":{"t-p":offset}}

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class KgateDriver {
    private static final PrintStream OUT = System.out;
    private static int step = 0;

    static final class UsageError extends RuntimeException {
        UsageError(String m) {
            super(m);
        }
    }

    // --- entry point -----------------------------------------------------------------------------
    public static void main(String[] argv) {
        List<List<String>> steps = new ArrayList<>();
        List<String> cur = new ArrayList<>();
        for (String a : argv) {
            if (a.equals("::")) {
                steps.add(cur);
                cur = new ArrayList<>();
            } else {
                cur.add(a);
            }
        }
        steps.add(cur);
        int rc = 0;
        for (List<String> s : steps) {
            try {
                if (s.isEmpty()) throw new UsageError("empty step");
                run(s.get(0), new Opts(s.subList(1, s.size())));
            } catch (UsageError e) {
                emit(obj("event", "error", "kind", "usage", "message", e.getMessage()));
                rc = 2;
                break;
            } catch (Throwable e) {
                Throwable root = e;
                while (root instanceof ExecutionException && root.getCause() != null) root = root.getCause();
                emit(obj("event", "error", "kind", "exception", "class", root.getClass().getName(),
                        "message", String.valueOf(root.getMessage()), "outer", String.valueOf(e)));
                e.printStackTrace(System.err);
                rc = 1;
                break;
            }
            step++;
        }
        OUT.flush();
        // Client threads (e.g. a producer's sender that outlived close's timeout) must not keep the JVM.
        System.exit(rc);
    }

    static void run(String cmd, Opts o) throws Exception {
        switch (cmd) {
            case "produce": produce(o); break;
            case "consume": consume(o); break;
            case "create-topics": createTopics(o); break;
            case "list-topics": listTopics(o); break;
            case "describe-topics": describeTopics(o); break;
            case "describe-cluster": describeCluster(o); break;
            case "describe-groups": describeGroups(o); break;
            case "group-offsets": groupOffsets(o); break;
            default: throw new UsageError("unknown step " + cmd);
        }
        o.checkAllUsed(cmd);
    }

    // --- options ---------------------------------------------------------------------------------
    static final class Opts {
        final Map<String, List<String>> m = new LinkedHashMap<>();
        final Set<String> used = new HashSet<>();

        Opts(List<String> args) {
            for (int i = 0; i < args.size(); i++) {
                String k = args.get(i);
                if (!k.startsWith("--")) throw new UsageError("expected an --option, got " + k);
                if (i + 1 >= args.size()) throw new UsageError(k + " needs a value");
                m.computeIfAbsent(k.substring(2), x -> new ArrayList<>()).add(args.get(++i));
            }
        }

        String get(String k, String def) {
            used.add(k);
            List<String> v = m.get(k);
            return v == null ? def : v.get(v.size() - 1);
        }

        String req(String k) {
            String v = get(k, null);
            if (v == null) throw new UsageError("--" + k + " is required");
            return v;
        }

        List<String> all(String k) {
            used.add(k);
            return m.getOrDefault(k, Collections.emptyList());
        }

        int integer(String k, int def) {
            return Integer.parseInt(get(k, String.valueOf(def)));
        }

        boolean bool(String k, boolean def) {
            return Boolean.parseBoolean(get(k, String.valueOf(def)));
        }

        List<String> list(String k) {
            String v = req(k);
            List<String> out = new ArrayList<>();
            for (String s : v.split(",")) if (!s.isEmpty()) out.add(s);
            return out;
        }

        void checkAllUsed(String cmd) {
            for (String k : m.keySet()) {
                if (!used.contains(k)) throw new UsageError(cmd + " does not take --" + k);
            }
        }

        /** bootstrap.servers, then --props-file, then every --prop. */
        Properties client() throws Exception {
            Properties p = new Properties();
            p.put("bootstrap.servers", req("bootstrap"));
            String file = get("props-file", null);
            if (file != null) {
                try (InputStream in = new FileInputStream(file)) {
                    p.load(in);
                }
            }
            for (String kv : all("prop")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new UsageError("--prop wants KEY=VALUE, got " + kv);
                p.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return p;
        }
    }

    // --- JSON output -----------------------------------------------------------------------------
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static synchronized void emit(Map<String, Object> event) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", event.get("event"));
        m.put("step", step);
        m.putAll(event);
        StringBuilder sb = new StringBuilder();
        json(sb, m);
        OUT.println(sb);
        OUT.flush();
    }

    static void json(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            str(sb, (String) v);
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                str(sb, String.valueOf(e.getKey()));
                sb.append(':');
                json(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Collection<?>) v) {
                if (!first) sb.append(',');
                first = false;
                json(sb, o);
            }
            sb.append(']');
        } else if (v instanceof byte[]) {
            str(sb, new String((byte[]) v, StandardCharsets.UTF_8));
        } else {
            str(sb, String.valueOf(v));
        }
    }

    static void str(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        sb.append('"');
    }

    static Map<String, Object> node(Node n) {
        if (n == null || n.isEmpty()) return null;
        return obj("id", n.id(), "host", n.host(), "port", n.port(), "rack", n.rack());
    }

    static String tp(TopicPartition p) {
        return p.topic() + "-" + p.partition();
    }

    static List<String> tps(Collection<TopicPartition> ps) {
        List<TopicPartition> l = new ArrayList<>(ps);
        l.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition())
                : a.topic().compareTo(b.topic()));
        List<String> out = new ArrayList<>();
        for (TopicPartition p : l) out.add(tp(p));
        return out;
    }

    // --- produce ---------------------------------------------------------------------------------
    static void produce(Opts o) throws Exception {
        Properties p = o.client();
        String topic = o.req("topic");
        int count = o.integer("count", 0);
        int start = o.integer("start", 0);
        int partitions = o.integer("partitions", 0);
        String prefix = o.get("value-prefix", "v");
        int pad = o.integer("pad", 16);
        String acks = o.get("acks", "all");
        String txnId = o.get("transactional-id", null);
        int txns = o.integer("transactions", 1);
        Set<Integer> abort = new TreeSet<>();
        for (String s : o.get("abort", "").split(",")) if (!s.isEmpty()) abort.add(Integer.parseInt(s));
        p.put("compression.type", o.get("compression", "none"));
        p.put("acks", acks);
        p.put("linger.ms", o.get("linger-ms", "5"));
        String idem = o.get("idempotence", null);
        if (idem != null) p.put("enable.idempotence", idem);
        else if (!acks.equals("all") && !acks.equals("-1")) p.put("enable.idempotence", "false");
        // Without idempotence only one request in flight keeps a retried batch in order; the
        // tests check the order records arrive in.
        if ("false".equals(p.get("enable.idempotence"))) p.put("max.in.flight.requests.per.connection", "1");
        if (txnId != null) p.put("transactional.id", txnId);
        p.putIfAbsent("key.serializer", ByteArraySerializer.class.getName());
        p.putIfAbsent("value.serializer", ByteArraySerializer.class.getName());

        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final List<String> errorSample = Collections.synchronizedList(new ArrayList<>());
        final Map<Integer, long[]> offsets = new TreeMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            if (txnId != null) producer.initTransactions();
            int chunks = txnId != null ? Math.max(1, txns) : 1;
            for (int c = 0; c < chunks; c++) {
                int from = start + (int) ((long) count * c / chunks);
                int to = start + (int) ((long) count * (c + 1) / chunks);
                if (txnId != null) producer.beginTransaction();
                for (int i = from; i < to; i++) {
                    byte[] key = String.valueOf(i).getBytes(StandardCharsets.UTF_8);
                    StringBuilder v = new StringBuilder(prefix).append(i);
                    while (v.length() < pad) v.append('.');
                    ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic,
                            partitions > 0 ? Integer.valueOf(i % partitions) : null, key,
                            v.toString().getBytes(StandardCharsets.UTF_8));
                    rec.headers().add("i", key);
                    producer.send(rec, (RecordMetadata md, Exception e) -> {
                        if (e != null) {
                            errors.incrementAndGet();
                            if (errorSample.size() < 5) errorSample.add(e.toString());
                            return;
                        }
                        acked.incrementAndGet();
                        synchronized (offsets) {
                            long[] s = offsets.computeIfAbsent(md.partition(), x -> new long[] {Long.MAX_VALUE, -1, 0});
                            if (md.hasOffset()) {
                                s[0] = Math.min(s[0], md.offset());
                                s[1] = Math.max(s[1], md.offset());
                            }
                            s[2]++;
                        }
                    });
                }
                if (txnId != null) {
                    producer.flush();
                    boolean aborted = abort.contains(c);
                    if (aborted) producer.abortTransaction();
                    else producer.commitTransaction();
                    emit(obj("event", "txn", "index", c, "from", from, "to", to,
                            "outcome", aborted ? "abort" : "commit"));
                }
            }
            producer.flush();
        }
        Map<String, Object> offs = new LinkedHashMap<>();
        for (Map.Entry<Integer, long[]> e : offsets.entrySet()) {
            long[] s = e.getValue();
            offs.put(String.valueOf(e.getKey()), Arrays.asList(s[0] == Long.MAX_VALUE ? -1 : s[0], s[1], s[2]));
        }
        emit(obj("event", "produced", "topic", topic, "count", count, "acked", acked.get(),
                "errors", errors.get(), "error_sample", errorSample, "offsets", offs));
        if (errors.get() > 0) throw new RuntimeException(errors.get() + " records failed, e.g. " + errorSample);
    }

    // --- consume ---------------------------------------------------------------------------------
    static void consume(Opts o) throws Exception {
        Properties base = o.client();
        List<String> topics = o.list("topic");
        int expect = o.integer("expect", 0);
        String group = o.get("group", null);
        String protocol = o.get("protocol", "classic");
        long timeoutMs = Long.parseLong(o.get("timeout-ms", "60000"));
        long lingerMs = Long.parseLong(o.get("linger-ms", "500"));
        int members = o.integer("members", 1);
        boolean print = o.bool("print-records", true);
        boolean untilEnd = o.bool("until-end", false);
        base.put("isolation.level", o.get("isolation", "read_uncommitted"));
        base.putIfAbsent("key.deserializer", ByteArrayDeserializer.class.getName());
        base.putIfAbsent("value.deserializer", ByteArrayDeserializer.class.getName());
        base.putIfAbsent("auto.offset.reset", "earliest");
        base.put("enable.auto.commit", "false");
        if (group != null) {
            base.put("group.id", group);
            base.put("group.protocol", protocol);
        } else if (members != 1) {
            throw new UsageError("--members needs --group");
        }
        if (untilEnd && group != null) throw new UsageError("--until-end is for assigned partitions (no --group)");

        final AtomicInteger total = new AtomicInteger();
        final AtomicBoolean timedOut = new AtomicBoolean(false);
        final long deadline = System.currentTimeMillis() + timeoutMs;
        final List<Map<String, Object>> summaries = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int m = 0; m < members; m++) {
            final int member = m;
            Properties p = new Properties();
            p.putAll(base);
            if (members > 1 && !p.containsKey("client.id")) p.put("client.id", "kgate-driver-m" + m);
            Thread t = new Thread(() -> {
                try {
                    summaries.add(consumeMember(member, p, topics, group != null, expect, lingerMs, deadline,
                            total, timedOut, print, untilEnd));
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "member-" + m);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        summaries.sort((a, b) -> Integer.compare((Integer) a.get("m"), (Integer) b.get("m")));
        emit(obj("event", "consumed", "count", total.get(), "expected", expect, "timed_out", timedOut.get(),
                "group", group, "protocol", group != null ? protocol : null, "members", summaries));
        if (!failures.isEmpty()) {
            Throwable f = failures.get(0);
            if (f instanceof Exception) throw (Exception) f;
            throw new RuntimeException(f);
        }
    }

    static Map<String, Object> consumeMember(int member, Properties p, List<String> topics, boolean grouped,
                                             int expect, long lingerMs, long deadline, AtomicInteger total,
                                             AtomicBoolean timedOut, boolean print, boolean untilEnd) {
        int mine = 0;
        Map<TopicPartition, Long> ends = null;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            if (grouped) {
                c.subscribe(topics, new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                        emit(obj("event", "rebalance", "m", member, "why", "revoked", "partitions", tps(parts)));
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                        emit(obj("event", "rebalance", "m", member, "why", "assigned", "partitions", tps(parts)));
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> parts) {
                        emit(obj("event", "rebalance", "m", member, "why", "lost", "partitions", tps(parts)));
                    }
                });
            } else {
                List<TopicPartition> all = new ArrayList<>();
                for (String t : topics) {
                    for (PartitionInfo pi : c.partitionsFor(t, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())))) {
                        all.add(new TopicPartition(t, pi.partition()));
                    }
                }
                c.assign(all);
                c.seekToBeginning(all);
                if (untilEnd) ends = c.endOffsets(all, Duration.ofSeconds(30));
            }
            long lingerUntil = -1;
            List<String> shown = null;
            while (true) {
                long now = System.currentTimeMillis();
                List<String> assignment = tps(c.assignment());
                if (!assignment.equals(shown)) {
                    emit(obj("event", "assignment", "m", member, "partitions", assignment));
                    shown = assignment;
                }
                if (ends != null) {
                    if (reachedEnd(c, ends)) break;
                } else {
                    if (lingerUntil < 0 && total.get() >= expect) lingerUntil = now + lingerMs;
                    if (lingerUntil >= 0 && now >= lingerUntil) break;
                }
                if (now >= deadline) {
                    timedOut.set(true);
                    break;
                }
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : recs) {
                    mine++;
                    total.incrementAndGet();
                    if (print) {
                        Map<String, Object> h = new LinkedHashMap<>();
                        for (Header hd : r.headers()) h.put(hd.key(), hd.value());
                        emit(obj("event", "record", "m", member, "t", r.topic(), "p", r.partition(), "o", r.offset(),
                                "k", r.key(), "v", r.value(), "h", h));
                    }
                }
                if (grouped && !recs.isEmpty()) c.commitSync();
            }
            Map<String, Object> s = obj("m", member, "count", mine, "assignment", tps(c.assignment()));
            if (grouped) {
                Map<String, Object> committed = new TreeMap<>();
                Map<TopicPartition, OffsetAndMetadata> cm = c.committed(c.assignment(), Duration.ofSeconds(10));
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : cm.entrySet()) {
                    committed.put(tp(e.getKey()), e.getValue() == null ? null : e.getValue().offset());
                }
                s.put("committed", committed);
            }
            return s;
        }
    }

    static boolean reachedEnd(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (c.position(e.getKey(), Duration.ofSeconds(30)) < e.getValue()) return false;
        }
        return true;
    }

    // --- admin -----------------------------------------------------------------------------------
    static Admin admin(Opts o) throws Exception {
        return Admin.create(o.client());
    }

    static void createTopics(Opts o) throws Exception {
        List<String> names = o.list("topic");
        int partitions = o.integer("partitions", 3);
        short rf = (short) o.integer("replication", 1);
        Map<String, String> config = new LinkedHashMap<>();
        for (String kv : o.all("config")) {
            int eq = kv.indexOf('=');
            config.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        try (Admin a = admin(o)) {
            List<NewTopic> nt = new ArrayList<>();
            for (String n : names) nt.add(new NewTopic(n, partitions, rf).configs(config));
            a.createTopics(nt).all().get(60, TimeUnit.SECONDS);
            for (String n : names) emit(obj("event", "created", "topic", n, "partitions", partitions, "replication", (int) rf));
        }
    }

    static void listTopics(Opts o) throws Exception {
        try (Admin a = admin(o)) {
            emit(obj("event", "topics", "topics", new TreeSet<>(a.listTopics().names().get(60, TimeUnit.SECONDS))));
        }
    }

    static void describeTopics(Opts o) throws Exception {
        List<String> names = o.list("topic");
        try (Admin a = admin(o)) {
            Map<String, TopicDescription> d = a.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
            for (String n : names) {
                TopicDescription td = d.get(n);
                List<Object> parts = new ArrayList<>();
                for (TopicPartitionInfo pi : td.partitions()) {
                    List<Object> replicas = new ArrayList<>();
                    for (Node r : pi.replicas()) replicas.add(r.id());
                    List<Object> isr = new ArrayList<>();
                    for (Node r : pi.isr()) isr.add(r.id());
                    parts.add(obj("partition", pi.partition(), "leader", node(pi.leader()), "replicas", replicas, "isr", isr));
                }
                emit(obj("event", "topic", "name", n, "id", String.valueOf(td.topicId()), "internal", td.isInternal(),
                        "partitions", parts));
            }
        }
    }

    static void describeCluster(Opts o) throws Exception {
        try (Admin a = admin(o)) {
            DescribeClusterResult r = a.describeCluster();
            List<Object> nodes = new ArrayList<>();
            List<Node> ns = new ArrayList<>(r.nodes().get(60, TimeUnit.SECONDS));
            ns.sort((x, y) -> Integer.compare(x.id(), y.id()));
            for (Node n : ns) nodes.add(node(n));
            emit(obj("event", "cluster", "cluster_id", r.clusterId().get(60, TimeUnit.SECONDS),
                    "controller", node(r.controller().get(60, TimeUnit.SECONDS)), "nodes", nodes));
        }
    }

    static void describeGroups(Opts o) throws Exception {
        List<String> groups = o.list("group");
        try (Admin a = admin(o)) {
            Map<String, ConsumerGroupDescription> d = a.describeConsumerGroups(groups).all().get(60, TimeUnit.SECONDS);
            for (String g : groups) {
                ConsumerGroupDescription gd = d.get(g);
                List<Object> members = new ArrayList<>();
                for (MemberDescription md : gd.members()) {
                    members.add(obj("client_id", md.clientId(), "host", md.host(), "member_id", md.consumerId(),
                            "assignment", tps(md.assignment().topicPartitions())));
                }
                emit(obj("event", "group", "group", g, "state", String.valueOf(gd.groupState()),
                        "type", String.valueOf(gd.type()), "assignor", gd.partitionAssignor(),
                        "coordinator", node(gd.coordinator()), "members", members));
            }
        }
    }

    static void groupOffsets(Opts o) throws Exception {
        String g = o.req("group");
        try (Admin a = admin(o)) {
            Map<TopicPartition, OffsetAndMetadata> offs =
                    a.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offs.entrySet()) {
                out.put(tp(e.getKey()), e.getValue() == null ? null : e.getValue().offset());
            }
            emit(obj("event", "group_offsets", "group", g, "offsets", out));
        }
    }
}
