#!/usr/bin/env bash
# Builds and runs the JMH micro-benchmarks in src/jmh/java (Maven profile jmh; never part of
# mvn verify): SMTP command codec, DKIM sign/verify (RSA-2048, Ed25519), SPF evaluation,
# restriction engine. Arguments go to JMH, e.g.:
#   bench/jmh.sh                       all benchmarks (about 2 minutes)
#   bench/jmh.sh -wi 5 -w 2s -i 10 -r 2s  tighter numbers (about 7 minutes; docs/performance.md)
#   bench/jmh.sh DkimBenchmark -p algorithm=ED25519_SHA256
#   bench/jmh.sh -f 1 -wi 2 -i 3 -r 1s  shorter runs
#   bench/jmh.sh -h                    JMH's options
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
java=${BENCH_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
cd "$home"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    mvn -q -B -Pjmh -DskipTests process-test-classes
fi
exec "$java" -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" org.openjdk.jmh.Main "$@"
