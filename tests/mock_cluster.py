#!/usr/bin/env python3
"""librdkafka's mock cluster as a standalone process, driven over stdin/stdout.

The mock cluster is real code that none of us wrote: the in-process Kafka cluster librdkafka uses
for its own test suite (several brokers, fault injection). We reach it through ctypes on the
librdkafka that the confluent-kafka wheel bundles (site-packages/confluent_kafka.libs/), so no
extra system package is needed. It runs in its own process because a ctypes-created mock cluster
lives on librdkafka's threads and must outlive any client under test.

Protocol (one line each way):
  start:   prints {"bootstraps": "127.0.0.1:p1,127.0.0.1:p2,...", "brokers": [[id, port], ...]}
  commands (answered with "ok <err>" where err is librdkafka's rd_kafka_resp_err_t, 0 = success):
    create_topic <topic> <partitions> <replication>
    set_leader <topic> <partition> <broker_id>     (-1 = no leader)
    down <broker_id> | up <broker_id>
    quit
Usage: python mock_cluster.py <broker_count>
"""
import ctypes
import glob
import json
import os
import sys


def find_librdkafka():
    import importlib.util

    spec = importlib.util.find_spec("confluent_kafka")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("confluent-kafka is not installed")
    pkg = list(spec.submodule_search_locations)[0]
    site = os.path.dirname(pkg)
    candidates = sorted(
        glob.glob(os.path.join(site, "confluent_kafka.libs", "librdkafka*.so*"))
        + glob.glob(os.path.join(pkg, ".libs", "librdkafka*.so*"))
    )
    if not candidates:
        raise RuntimeError(f"no bundled librdkafka under {site}")
    return candidates[0]


def load(path):
    lib = ctypes.CDLL(path)
    vp, cp, i32 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32
    sig = {
        "rd_kafka_conf_new": ([], vp),
        "rd_kafka_conf_set": ([vp, cp, cp, cp, ctypes.c_size_t], ctypes.c_int),
        "rd_kafka_new": ([ctypes.c_int, vp, cp, ctypes.c_size_t], vp),
        "rd_kafka_mock_cluster_new": ([vp, ctypes.c_int], vp),
        "rd_kafka_mock_cluster_bootstraps": ([vp], cp),
        "rd_kafka_mock_cluster_destroy": ([vp], None),
        "rd_kafka_mock_topic_create": ([vp, cp, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        "rd_kafka_mock_partition_set_leader": ([vp, cp, i32, i32], ctypes.c_int),
        "rd_kafka_mock_broker_set_down": ([vp, i32], ctypes.c_int),
        "rd_kafka_mock_broker_set_up": ([vp, i32], ctypes.c_int),
        "rd_kafka_destroy": ([vp], None),
    }
    for name, (args, res) in sig.items():
        f = getattr(lib, name)
        f.argtypes = args
        f.restype = res
    return lib


def main():
    broker_cnt = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    lib = load(find_librdkafka())
    errstr = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    lib.rd_kafka_conf_set(conf, b"log_level", b"3", errstr, len(errstr))
    rk = lib.rd_kafka_new(0, conf, errstr, len(errstr))  # RD_KAFKA_PRODUCER
    if not rk:
        raise RuntimeError(errstr.value.decode())
    mc = lib.rd_kafka_mock_cluster_new(rk, broker_cnt)
    if not mc:
        raise RuntimeError("rd_kafka_mock_cluster_new failed")
    bootstraps = lib.rd_kafka_mock_cluster_bootstraps(mc).decode()
    # Mock broker ids are 1..broker_cnt, in the order of the bootstrap list.
    ports = [int(hp.rsplit(":", 1)[1]) for hp in bootstraps.split(",")]
    brokers = [[i + 1, p] for i, p in enumerate(ports)]
    print(json.dumps({"bootstraps": bootstraps, "brokers": brokers}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd, args = parts[0], parts[1:]
        if cmd == "quit":
            break
        if cmd == "create_topic":
            err = lib.rd_kafka_mock_topic_create(mc, args[0].encode(), int(args[1]), int(args[2]))
        elif cmd == "set_leader":
            err = lib.rd_kafka_mock_partition_set_leader(mc, args[0].encode(), int(args[1]), int(args[2]))
        elif cmd == "down":
            err = lib.rd_kafka_mock_broker_set_down(mc, int(args[0]))
        elif cmd == "up":
            err = lib.rd_kafka_mock_broker_set_up(mc, int(args[0]))
        else:
            print(f"error unknown command {cmd}", flush=True)
            continue
        print(f"ok {err}", flush=True)
    lib.rd_kafka_mock_cluster_destroy(mc)
    lib.rd_kafka_destroy(rk)


if __name__ == "__main__":
    main()
